using Muster.Core;

namespace Muster.Client;

/// <summary>A process in a group: its node and its process id (CPG's <c>cpg_address</c> without the reason).</summary>
/// <param name="NodeId">The process's node.</param>
/// <param name="ProcessId">The process id on that node.</param>
public readonly record struct GroupMember(NodeId NodeId, uint ProcessId)
{
    /// <inheritdoc/>
    public override string ToString() => $"{NodeId}/{ProcessId}";
}

/// <summary>Why a process joined or left a group; the numbering of Corosync's <c>CPG_REASON_*</c>.</summary>
public enum GroupChangeReason
{
    /// <summary>The process called join (CPG_REASON_JOIN).</summary>
    Join = 1,

    /// <summary>The process called leave (CPG_REASON_LEAVE).</summary>
    Leave = 2,

    /// <summary>The process's node left the cluster (CPG_REASON_NODEDOWN).</summary>
    NodeDown = 3,

    /// <summary>The process's node joined the cluster, bringing the process with it (CPG_REASON_NODEUP).</summary>
    NodeUp = 4,

    /// <summary>The process exited or its connection to the daemon closed (CPG_REASON_PROCDOWN).</summary>
    ProcessDown = 5,
}

/// <summary>A process that joined or left a group, and why (CPG's <c>cpg_address</c>).</summary>
/// <param name="Member">The process.</param>
/// <param name="Reason">Why it joined or left.</param>
public readonly record struct GroupMemberChange(GroupMember Member, GroupChangeReason Reason);

/// <summary>A group and how many processes are in it (CPG's <c>cpg_iteration_description_t</c>).</summary>
/// <param name="Name">The group's name.</param>
/// <param name="MemberCount">How many processes, cluster-wide, are in it.</param>
public sealed record GroupSummary(string Name, int MemberCount);

/// <summary>The outcome of <see cref="ProcessGroup.TrySendAsync"/>.</summary>
public enum SendResult
{
    /// <summary>The daemon accepted the message into its send queue; it will be delivered in agreed order.</summary>
    Sent,

    /// <summary>The daemon's send queue is full (flow control, CS_ERR_TRY_AGAIN): nothing was sent; try again later.</summary>
    TryAgain,
}

/// <summary>
/// Something that happened in a group: a <see cref="GroupMessage"/>, a <see cref="GroupMembershipChange"/> or a
/// <see cref="GroupMessageOutcomeUnknown"/>.
/// </summary>
public abstract record GroupEvent
{
    private protected GroupEvent(string group)
    {
        Group = group;
    }

    /// <summary>The group's name.</summary>
    public string Group { get; }
}

/// <summary>A message delivered to the group, in the same order at every member (CPG deliver_fn).</summary>
public sealed record GroupMessage : GroupEvent
{
    /// <summary>Creates the event.</summary>
    public GroupMessage(string group, GroupMember sender, ReadOnlyMemory<byte> payload)
        : base(group)
    {
        Sender = sender;
        Payload = payload;
    }

    /// <summary>The process that sent it (node id and pid).</summary>
    public GroupMember Sender { get; }

    /// <summary>The message.</summary>
    public ReadOnlyMemory<byte> Payload { get; }
}

/// <summary>
/// A message this process sent will not be delivered to it, and may or may not have been delivered to the members on
/// the other side of a view change (the view's sequencer was lost before this side learned the message's place in
/// the order). It is not resent: resending could deliver it twice. Applications that must know resend it themselves
/// after checking, or make their messages idempotent.
/// </summary>
public sealed record GroupMessageOutcomeUnknown : GroupEvent
{
    /// <summary>Creates the event.</summary>
    public GroupMessageOutcomeUnknown(string group, GroupMember sender, ReadOnlyMemory<byte> payload)
        : base(group)
    {
        Sender = sender;
        Payload = payload;
    }

    /// <summary>This process (node id and pid).</summary>
    public GroupMember Sender { get; }

    /// <summary>The message.</summary>
    public ReadOnlyMemory<byte> Payload { get; }
}

/// <summary>The group's membership changed (CPG confchg_fn).</summary>
public sealed record GroupMembershipChange : GroupEvent
{
    /// <summary>Creates the event.</summary>
    public GroupMembershipChange(
        string group,
        ViewId viewId,
        IReadOnlyList<GroupMember> members,
        IReadOnlyList<GroupMemberChange> joined,
        IReadOnlyList<GroupMemberChange> left)
        : base(group)
    {
        ViewId = viewId;
        Members = members;
        Joined = joined;
        Left = left;
    }

    /// <summary>The cluster view in which the change happened.</summary>
    public ViewId ViewId { get; }

    /// <summary>The group's processes after the change (CPG member_list).</summary>
    public IReadOnlyList<GroupMember> Members { get; }

    /// <summary>Processes that joined, with the reason (CPG joined_list).</summary>
    public IReadOnlyList<GroupMemberChange> Joined { get; }

    /// <summary>Processes that left, with the reason (CPG left_list).</summary>
    public IReadOnlyList<GroupMemberChange> Left { get; }
}
