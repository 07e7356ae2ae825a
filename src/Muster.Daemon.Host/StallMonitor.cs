using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Diagnostics;

namespace Muster.Daemon.Host;

/// <summary>Counts event-loop stalls, like Corosync's "not scheduled for N ms" (schedmiss) warning.</summary>
/// <remarks>
/// <para>
/// The daemon calls <see cref="Beat(Instant)"/> on every loop iteration and makes sure a timer wakes the loop at
/// least every <see cref="ExpectedPeriod"/>. A gap between two beats longer than <see cref="Threshold"/> means the
/// loop could not run (CPU starvation, paging, a long GC pause, a blocking call on the loop thread); it is counted
/// and logged, rate-limited: <c>event loop stalled for 412 ms (threshold 200 ms)</c>. Such a gap is what makes
/// peers declare a healthy node dead, so the warning tells the operator to look at the machine or the timeouts.
/// </para>
/// <para>
/// <see cref="Beat(Instant)"/> and <see cref="Observe"/> are meant for one thread (the loop); the counters can be
/// read from any thread.
/// </para>
/// </remarks>
public sealed class StallMonitor
{
    private const string Category = "stall";

    private readonly ILogger _logger;
    private readonly SharedRateLimiter _logLimiter;
    private readonly TimeProvider _time;
    private Instant? _lastBeat;
    private long _stalls;
    private long _longestStallTicks;

    /// <summary>Creates a monitor; <paramref name="threshold"/> must be longer than <paramref name="expectedPeriod"/>.</summary>
    /// <param name="expectedPeriod">The longest the loop sleeps when all is well (its shortest periodic timer).</param>
    /// <param name="threshold">A gap between beats longer than this is a stall.</param>
    /// <param name="loggers">Where stall warnings go (category <c>stall</c>).</param>
    /// <param name="logInterval">Shortest interval between two stall warnings (default 10 s); stalls are counted regardless.</param>
    /// <param name="time">The clock whose timestamps <see cref="Beat(long)"/> takes (default <see cref="TimeProvider.System"/>).</param>
    public StallMonitor(TimeSpan expectedPeriod, TimeSpan threshold, ILoggerFactory loggers, TimeSpan? logInterval = null,
        TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(expectedPeriod, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(threshold, expectedPeriod);
        ExpectedPeriod = expectedPeriod;
        Threshold = threshold;
        _logger = loggers.CreateLogger(Category);
        _logLimiter = new SharedRateLimiter(logInterval ?? TimeSpan.FromSeconds(10));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The longest the loop is expected to go without a beat.</summary>
    public TimeSpan ExpectedPeriod { get; }

    /// <summary>Gaps longer than this are stalls.</summary>
    public TimeSpan Threshold { get; }

    /// <summary>Stalls seen so far.</summary>
    public long Stalls => Interlocked.Read(ref _stalls);

    /// <summary>The longest stall seen so far (zero when none).</summary>
    public TimeSpan LongestStall => TimeSpan.FromTicks(Interlocked.Read(ref _longestStallTicks));

    /// <summary>Records one gap between beats; true (and counted) when it is a stall.</summary>
    /// <remarks>Pure apart from the counters: no clock, no logging.</remarks>
    public bool Observe(TimeSpan gap)
    {
        if (gap <= Threshold)
        {
            return false;
        }

        Interlocked.Increment(ref _stalls);
        if (gap.Ticks > Interlocked.Read(ref _longestStallTicks))
        {
            Interlocked.Exchange(ref _longestStallTicks, gap.Ticks);
        }
        return true;
    }

    /// <summary>A loop iteration or timer ran at <paramref name="now"/> (a monotonic time).</summary>
    public void Beat(Instant now)
    {
        Instant? last = _lastBeat;
        _lastBeat = now;
        if (last is not { } previous)
        {
            return;
        }

        TimeSpan gap = now - previous;
        if (Observe(gap) && _logLimiter.TryAcquire(Category, now, out long suppressed))
        {
            HostLog.Stalled(_logger, gap.TotalMilliseconds, Threshold.TotalMilliseconds, suppressed);
        }
    }

    /// <summary>
    /// A loop iteration or timer ran at <paramref name="timestamp"/> (a <see cref="TimeProvider.GetTimestamp"/> value of
    /// the monitor's clock).
    /// </summary>
    public void Beat(long timestamp) => Beat(_time.ToInstant(timestamp));

    /// <summary>Forgets the last beat, so a deliberate pause (such as startup work) is not reported as a stall.</summary>
    public void Reset() => _lastBeat = null;

    /// <summary>The counters as name/value pairs (for <c>muster status</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
    [
        new("loop_stalls", Stalls),
        new("loop_longest_stall_us", (long)LongestStall.TotalMicroseconds),
    ];
}
