namespace Muster.Core;

/// <summary>A point on a monotonic clock, in ticks of 100 ns since an arbitrary origin.</summary>
/// <remarks>
/// The pure protocol cores never read a clock: the daemon fills an <see cref="Instant"/> from a monotonic
/// timestamp, the simulator from its virtual clock.
/// </remarks>
public readonly record struct Instant(long Ticks) : IComparable<Instant>
{
    /// <summary>The origin.</summary>
    public static readonly Instant Zero;

    /// <summary>Later than any real instant.</summary>
    public static readonly Instant Never = new(long.MaxValue);

    /// <inheritdoc/>
    public int CompareTo(Instant other) => Ticks.CompareTo(other.Ticks);

    public static Instant operator +(Instant a, TimeSpan d) =>
        d.Ticks > 0 && a.Ticks > long.MaxValue - d.Ticks ? Never : new(a.Ticks + d.Ticks);
    public static Instant operator -(Instant a, TimeSpan d) => new(a.Ticks - d.Ticks);
    public static TimeSpan operator -(Instant a, Instant b) => new(a.Ticks - b.Ticks);
    public static bool operator <(Instant a, Instant b) => a.Ticks < b.Ticks;
    public static bool operator >(Instant a, Instant b) => a.Ticks > b.Ticks;
    public static bool operator <=(Instant a, Instant b) => a.Ticks <= b.Ticks;
    public static bool operator >=(Instant a, Instant b) => a.Ticks >= b.Ticks;

    /// <inheritdoc/>
    public override string ToString() => TimeSpan.FromTicks(Ticks).ToString();
}
