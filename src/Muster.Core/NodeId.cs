using System.Globalization;

namespace Muster.Core;

/// <summary>A node's identifier from the configuration's node list (1 .. 2^32-2).</summary>
/// <remarks>0 means "none"; 0xFFFFFFFF is reserved for "the local node" as SA_CLM_LOCAL_NODE_ID is in AIS.</remarks>
public readonly record struct NodeId(uint Value) : IComparable<NodeId>
{
    /// <summary>No node.</summary>
    public static readonly NodeId None;

    /// <summary>Largest valid node id.</summary>
    public const uint MaxValue = 0xFFFF_FFFE;

    /// <summary>True for ids a node may carry.</summary>
    public bool IsValid => Value is > 0 and <= MaxValue;

    /// <inheritdoc/>
    public int CompareTo(NodeId other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    public static bool operator <(NodeId a, NodeId b) => a.Value < b.Value;
    public static bool operator >(NodeId a, NodeId b) => a.Value > b.Value;
    public static bool operator <=(NodeId a, NodeId b) => a.Value <= b.Value;
    public static bool operator >=(NodeId a, NodeId b) => a.Value >= b.Value;
}
