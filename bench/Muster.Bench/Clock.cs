using System.Diagnostics;

namespace Muster.Bench;

// Stopwatch ticks are CLOCK_MONOTONIC on Linux (frequency 1e9), shared by all processes and network namespaces.
internal static class Clock
{
    private static readonly double s_ticksPerMicrosecond = Stopwatch.Frequency / 1_000_000.0;

    public static long Now => Stopwatch.GetTimestamp();

    public static double ToMicroseconds(long ticks) => ticks / s_ticksPerMicrosecond;

    public static double ToSeconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    public static long MonotonicMicroseconds => (long)ToMicroseconds(Stopwatch.GetTimestamp());

    public static long RealtimeMicroseconds => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;

    public static long FromTimeSpan(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}

// Percentiles over recorded samples (ticks), reported in microseconds.
internal sealed class Samples
{
    private long[] _values;
    private int _count;

    public Samples(int capacity)
    {
        _values = new long[Math.Max(16, capacity)];
    }

    public int Count => _count;

    public void Add(long value)
    {
        if (_count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[_count++] = value;
    }

    // Nearest-rank percentile; NaN when there are no samples. Sorts in place (call after recording).
    public double PercentileMicroseconds(double percentile)
    {
        if (_count == 0)
        {
            return double.NaN;
        }

        Array.Sort(_values, 0, _count);
        int rank = (int)Math.Ceiling(percentile / 100.0 * _count);
        rank = Math.Clamp(rank, 1, _count);
        return Clock.ToMicroseconds(_values[rank - 1]);
    }

    public double MinMicroseconds => _count == 0 ? double.NaN : Clock.ToMicroseconds(Min());

    public double MaxMicroseconds => _count == 0 ? double.NaN : Clock.ToMicroseconds(Max());

    private long Min()
    {
        long m = long.MaxValue;
        for (int i = 0; i < _count; i++)
        {
            m = Math.Min(m, _values[i]);
        }

        return m;
    }

    private long Max()
    {
        long m = long.MinValue;
        for (int i = 0; i < _count; i++)
        {
            m = Math.Max(m, _values[i]);
        }

        return m;
    }
}
