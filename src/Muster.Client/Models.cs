using Muster.Core;
using Muster.Ipc.Contracts;

namespace Muster.Client;

/// <summary>What <see cref="MusterClient.GetStatusAsync"/> reports about the local daemon.</summary>
/// <param name="NodeId">This node's id.</param>
/// <param name="NodeName">This node's name.</param>
/// <param name="ClusterName">The cluster's name.</param>
/// <param name="ViewId">The installed view.</param>
/// <param name="State">The daemon's state in words (for example "operational").</param>
/// <param name="ProtocolVersion">The cluster wire protocol version the members agreed on.</param>
/// <param name="Members">The members of the installed view.</param>
/// <param name="Timeouts">The effective timeouts, by name, in the daemon's order.</param>
/// <param name="Counters">The daemon's counters, by name, in the daemon's order.</param>
/// <param name="Peers">
/// Counters per configured peer, by node id (for example <see cref="PeerCounters.DeclaredFailedWhileLinkUp"/>);
/// null when the daemon does not report them (one from before they existed).
/// </param>
public sealed record DaemonStatus(
    NodeId NodeId,
    string NodeName,
    string ClusterName,
    ViewId ViewId,
    string State,
    int ProtocolVersion,
    IReadOnlyList<MemberInfo> Members,
    IReadOnlyList<KeyValuePair<string, TimeSpan>> Timeouts,
    IReadOnlyList<KeyValuePair<string, long>> Counters,
    IReadOnlyList<PeerCounters>? Peers = null);

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

/// <summary>One node in a <see cref="ClusterMembershipNotification"/> (AIS <c>SaClmClusterNotificationT</c>).</summary>
/// <param name="Member">The node (for a node that left, its last known details with state Left or Failed).</param>
/// <param name="Change">How its membership changed in this view (AIS <c>clusterChange</c>).</param>
/// <param name="Reason">Why, in words, when the daemon knows; otherwise empty.</param>
public sealed record ClusterMemberChange(MemberInfo Member, MembershipChange Change, string Reason);

/// <summary>A membership notification from <see cref="ClusterMembership.TrackAsync"/> (AIS <c>SaClmClusterNotificationBufferT</c>).</summary>
/// <param name="View">The view now installed, with all its members.</param>
/// <param name="Items">
/// With <see cref="TrackFlags.Changes"/> (or <see cref="TrackFlags.Current"/>): every current member plus the nodes
/// that left; with <see cref="TrackFlags.ChangesOnly"/>: only the nodes that changed.
/// </param>
public sealed record ClusterMembershipNotification(ClusterView View, IReadOnlyList<ClusterMemberChange> Items)
{
    /// <summary>The view's id (AIS <c>viewNumber</c>).</summary>
    public ViewId ViewId => View.ViewId;

    /// <summary>How many nodes are members of the view (AIS <c>numberOfMembers</c>).</summary>
    public int MemberCount => View.Members.Count;
}
