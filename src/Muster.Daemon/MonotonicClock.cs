using System.Diagnostics;
using Muster.Core;

namespace Muster.Daemon;

/// <summary>The daemon's one clock: monotonic, in <see cref="Instant"/> ticks. Only the shell reads it.</summary>
internal static class MonotonicClock
{
    private static readonly double s_ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency;

    public static Instant Now() => new((long)(Stopwatch.GetTimestamp() * s_ticksPerTimestamp));
}
