namespace Muster.Core;

/// <summary>One incarnation of a node: the node id plus the start counter it had when it joined.</summary>
/// <remarks>
/// A node that crashes and restarts comes back with a larger <see cref="Incarnation"/>, so the cluster can tell
/// the old process (which must be seen to leave) from the new one (which then joins).
/// </remarks>
public readonly record struct MemberId(NodeId Node, ulong Incarnation) : IComparable<MemberId>
{
    /// <inheritdoc/>
    public int CompareTo(MemberId other)
    {
        int c = Node.CompareTo(other.Node);
        return c != 0 ? c : Incarnation.CompareTo(other.Incarnation);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Node}#{Incarnation}";

    public static bool operator <(MemberId a, MemberId b) => a.CompareTo(b) < 0;
    public static bool operator >(MemberId a, MemberId b) => a.CompareTo(b) > 0;
    public static bool operator <=(MemberId a, MemberId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(MemberId a, MemberId b) => a.CompareTo(b) >= 0;
}
