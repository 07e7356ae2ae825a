using Muster.Core;
using Muster.Daemon.Host;

namespace Muster.Transport.Tests;

public class StallMonitorTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_threshold = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Observe_GapsUpToThreshold_AreNotStalls()
    {
        var monitor = new StallMonitor(s_period, s_threshold, new LogCapture().Loggers);

        Assert.False(monitor.Observe(TimeSpan.Zero));
        Assert.False(monitor.Observe(s_period));
        Assert.False(monitor.Observe(s_threshold));

        Assert.Equal(0, monitor.Stalls);
        Assert.Equal(TimeSpan.Zero, monitor.LongestStall);
    }

    [Fact]
    public void Observe_LongGaps_CountedWithLongest()
    {
        var monitor = new StallMonitor(s_period, s_threshold, new LogCapture().Loggers);

        Assert.True(monitor.Observe(TimeSpan.FromMilliseconds(412)));
        Assert.True(monitor.Observe(TimeSpan.FromMilliseconds(250)));
        Assert.True(monitor.Observe(TimeSpan.FromMilliseconds(900)));
        Assert.True(monitor.Observe(TimeSpan.FromMilliseconds(201)));

        Assert.Equal(4, monitor.Stalls);
        Assert.Equal(TimeSpan.FromMilliseconds(900), monitor.LongestStall);
        Assert.Equal([new("loop_stalls", 4), new KeyValuePair<string, long>("loop_longest_stall_us", 900_000)], monitor.Snapshot());
    }

    [Fact]
    public void Beat_MeasuresGapsAndLogsRateLimited()
    {
        var log = new LogCapture();
        var monitor = new StallMonitor(s_period, s_threshold, log.Loggers, logInterval: TimeSpan.FromSeconds(10));
        var t = Instant.Zero + TimeSpan.FromSeconds(100);

        monitor.Beat(t);                                     // first beat: nothing to compare with
        monitor.Beat(t += s_period);
        monitor.Beat(t += TimeSpan.FromMilliseconds(412));   // stall, logged
        monitor.Beat(t += TimeSpan.FromMilliseconds(300));   // stall, suppressed
        monitor.Beat(t += TimeSpan.FromSeconds(11));         // stall, logged again with the suppressed count

        Assert.Equal(3, monitor.Stalls);
        Assert.Equal(TimeSpan.FromSeconds(11), monitor.LongestStall);
        Assert.Equal(2, log.Lines.Count);
        Assert.EndsWith("stall: event loop stalled for 412 ms (threshold 200 ms)", log.Lines[0], StringComparison.Ordinal);
        Assert.Contains("WARN", log.Lines[0], StringComparison.Ordinal);
        Assert.EndsWith(
            "event loop stalled for 11000 ms (threshold 200 ms); 1 more stalls since the last warning",
            log.Lines[1],
            StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_ForgetsLastBeat()
    {
        var monitor = new StallMonitor(s_period, s_threshold, new LogCapture().Loggers);
        monitor.Beat(new Instant(0));
        monitor.Reset();

        monitor.Beat(Instant.Zero + TimeSpan.FromSeconds(5));

        Assert.Equal(0, monitor.Stalls);
    }

    [Fact]
    public void Beat_StopwatchTimestamps_AreConverted()
    {
        var monitor = new StallMonitor(s_period, s_threshold, new LogCapture().Loggers);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();

        monitor.Beat(start);
        monitor.Beat(start + System.Diagnostics.Stopwatch.Frequency); // one second later

        Assert.Equal(1, monitor.Stalls);
        Assert.InRange(monitor.LongestStall, TimeSpan.FromMilliseconds(999), TimeSpan.FromMilliseconds(1001));
    }

    [Fact]
    public void Constructor_ThresholdNotAbovePeriod_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StallMonitor(s_threshold, s_threshold, new LogCapture().Loggers));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StallMonitor(TimeSpan.Zero, s_threshold, new LogCapture().Loggers));
    }
}
