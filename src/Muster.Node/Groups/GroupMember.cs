using Muster.Core;

namespace Muster.Node.Groups;

/// <summary>A process in a group: the node it runs on and its process id (CPG's struct cpg_address).</summary>
public readonly record struct GroupMember(NodeId Node, uint ProcessId) : IComparable<GroupMember>
{
    /// <inheritdoc/>
    public int CompareTo(GroupMember other)
    {
        int c = Node.CompareTo(other.Node);
        return c != 0 ? c : ProcessId.CompareTo(other.ProcessId);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Node}/{ProcessId}";

    public static bool operator <(GroupMember a, GroupMember b) => a.CompareTo(b) < 0;
    public static bool operator >(GroupMember a, GroupMember b) => a.CompareTo(b) > 0;
    public static bool operator <=(GroupMember a, GroupMember b) => a.CompareTo(b) <= 0;
    public static bool operator >=(GroupMember a, GroupMember b) => a.CompareTo(b) >= 0;
}

/// <summary>Why a member joined or left a group. Numbered as CPG's CPG_REASON_* values.</summary>
public enum GroupChangeReason : byte
{
    /// <summary>The process joined (cpg_join).</summary>
    Join = 1,
    /// <summary>The process left (cpg_leave).</summary>
    Leave = 2,
    /// <summary>Its node left the membership (failed, left, or is on the other side of a partition).</summary>
    NodeDown = 3,
    /// <summary>Its node came into the membership with it (a merge, or a node joining with members).</summary>
    NodeUp = 4,
    /// <summary>The process exited without leaving.</summary>
    ProcessDown = 5,
}

/// <summary>A member that joined or left, with why.</summary>
public readonly record struct GroupMemberChange(GroupMember Member, GroupChangeReason Reason);
