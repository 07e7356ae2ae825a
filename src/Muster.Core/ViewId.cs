using System.Globalization;

namespace Muster.Core;

/// <summary>Identifies one installed membership view (Corosync's ring id): a sequence plus the coordinator that made it.</summary>
/// <remarks>
/// The coordinator persists the highest sequence it has used, so it never issues the same sequence twice, even
/// across restarts; two coordinators differ by node id. Hence two different member lists never share a view id,
/// not even on two sides of a partition. Ordered by sequence first, then coordinator.
/// </remarks>
public readonly record struct ViewId(ulong Sequence, NodeId Coordinator) : IComparable<ViewId>
{
    /// <summary>No view yet.</summary>
    public static readonly ViewId None;

    /// <summary>True once a view has been installed.</summary>
    public bool IsNone => Sequence == 0 && Coordinator.Value == 0;

    /// <inheritdoc/>
    public int CompareTo(ViewId other)
    {
        int c = Sequence.CompareTo(other.Sequence);
        return c != 0 ? c : Coordinator.CompareTo(other.Coordinator);
    }

    public static bool operator <(ViewId a, ViewId b) => a.CompareTo(b) < 0;
    public static bool operator >(ViewId a, ViewId b) => a.CompareTo(b) > 0;
    public static bool operator <=(ViewId a, ViewId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ViewId a, ViewId b) => a.CompareTo(b) >= 0;

    /// <summary>Printed as Corosync prints ring ids: coordinator, a dot, the sequence in hex (for example <c>1.1c</c>).</summary>
    public override string ToString() =>
        IsNone ? "none" : string.Create(CultureInfo.InvariantCulture, $"{Coordinator.Value}.{Sequence:x}");
}
