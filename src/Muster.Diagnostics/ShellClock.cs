using Muster.Core;

namespace Muster.Diagnostics;

/// <summary>
/// The shell's one conversion from a <see cref="TimeProvider"/>'s monotonic timestamps to the cores'
/// <see cref="Instant"/>. Every shell part (daemon loop, transports, IPC server, stall monitor, metrics endpoint,
/// fault injector) reads time through the <see cref="TimeProvider"/> it is given, and converts here, so one provider
/// drives them all: <see cref="TimeProvider.System"/> in musterd, another one in a test.
/// </summary>
public static class ShellClock
{
    /// <summary>The provider's current monotonic time as an <see cref="Instant"/>.</summary>
    /// <param name="time">The clock.</param>
    public static Instant GetInstant(this TimeProvider time) => ToInstant(time, time.GetTimestamp());

    /// <summary>A timestamp of <paramref name="time"/> (from <see cref="TimeProvider.GetTimestamp"/>) as an <see cref="Instant"/>.</summary>
    /// <param name="time">The clock the timestamp came from.</param>
    /// <param name="timestamp">The timestamp.</param>
    public static Instant ToInstant(this TimeProvider time, long timestamp) => new(time.GetElapsedTime(0, timestamp).Ticks);

    /// <summary>
    /// <paramref name="span"/> in units of the provider's timestamps (<see cref="TimeProvider.TimestampFrequency"/>),
    /// for deadlines kept as timestamps.
    /// </summary>
    /// <param name="time">The clock.</param>
    /// <param name="span">A duration.</param>
    public static long ToTimestampDelta(this TimeProvider time, TimeSpan span) =>
        (long)(span.Ticks * (time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
}
