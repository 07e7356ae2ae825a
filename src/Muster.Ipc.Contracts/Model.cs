using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>One node as the membership service reports it (AIS <c>SaClmClusterNodeT</c>).</summary>
/// <param name="NodeId">The node's configured id.</param>
/// <param name="Incarnation">Its start counter: larger after every restart.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Addresses">Its transport addresses, as text.</param>
/// <param name="State">Where it stands.</param>
/// <param name="JoinedViewId">The view in which this incarnation joined, when known (AIS <c>bootTimestamp</c>'s role).</param>
public sealed record MemberInfo(
    NodeId NodeId,
    ulong Incarnation,
    string Name,
    IReadOnlyList<string> Addresses,
    MemberState State,
    ViewId? JoinedViewId);

/// <summary>An installed membership view: its id and its members (AIS <c>SaClmClusterNotificationBufferT</c>'s view).</summary>
/// <param name="ViewId">The view's id (AIS <c>viewNumber</c>).</param>
/// <param name="Members">The members, ordered by node id.</param>
public sealed record ClusterView(ViewId ViewId, IReadOnlyList<MemberInfo> Members);

/// <summary>One node's change in a <see cref="MembershipChangedEvent"/>.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Incarnation">The incarnation that changed.</param>
/// <param name="Name">The node's name.</param>
/// <param name="Change">What happened.</param>
/// <param name="Reason">Why, in words (for example "token timeout"); empty when there is nothing to say.</param>
public sealed record MemberChange(NodeId NodeId, ulong Incarnation, string Name, MembershipChange Change, string Reason);

/// <summary>A process in a group: its node and its process id (CPG's <c>cpg_address</c> without the reason).</summary>
/// <param name="NodeId">The process's node.</param>
/// <param name="ProcessId">The process id on that node.</param>
public readonly record struct GroupMember(NodeId NodeId, uint ProcessId)
{
    /// <inheritdoc/>
    public override string ToString() => $"{NodeId}/{ProcessId}";
}

/// <summary>A process that joined or left a group, and why (CPG's <c>cpg_address</c>).</summary>
/// <param name="Member">The process.</param>
/// <param name="Reason">Why it joined or left.</param>
public readonly record struct GroupMemberChange(GroupMember Member, GroupChangeReason Reason);

/// <summary>A group and how many processes are in it (CPG's <c>cpg_iteration_description_t</c>).</summary>
/// <param name="Name">The group's name.</param>
/// <param name="MemberCount">How many processes, cluster-wide, are in it.</param>
public sealed record GroupSummary(string Name, int MemberCount);
