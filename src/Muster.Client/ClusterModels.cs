using Muster.Core;

namespace Muster.Client;

/// <summary>What <see cref="ClusterMembership.TrackAsync"/> asks for; the values of AIS <c>SA_TRACK_*</c>.</summary>
[Flags]
public enum TrackFlags
{
    /// <summary>Nothing (not a valid request on its own).</summary>
    None = 0,

    /// <summary>The current membership, once (SA_TRACK_CURRENT).</summary>
    Current = 0x01,

    /// <summary>On every change, all current members plus those that left, each with its change (SA_TRACK_CHANGES).</summary>
    Changes = 0x02,

    /// <summary>On every change, only the members that changed (SA_TRACK_CHANGES_ONLY).</summary>
    ChangesOnly = 0x04,
}

/// <summary>Where a node stands in the cluster.</summary>
public enum MemberState
{
    /// <summary>A member of the current view.</summary>
    Member = 1,

    /// <summary>Left the cluster in an orderly way.</summary>
    Left = 2,

    /// <summary>Was removed because it stopped responding.</summary>
    Failed = 3,

    /// <summary>Being admitted by a view change in progress.</summary>
    Joining = 4,

    /// <summary>Announced it is leaving; still in the view.</summary>
    Leaving = 5,
}

/// <summary>How a node's membership changed in a view change; 1-4 are AIS <c>SaClmClusterChangesT</c>.</summary>
public enum MembershipChange
{
    /// <summary>A member before and after (SA_CLM_NODE_NO_CHANGE).</summary>
    NoChange = 1,

    /// <summary>Joined in this view (SA_CLM_NODE_JOINED).</summary>
    Joined = 2,

    /// <summary>Left in an orderly way (SA_CLM_NODE_LEFT).</summary>
    Left = 3,

    /// <summary>Still a member, but its details changed (SA_CLM_NODE_RECONFIGURED).</summary>
    Reconfigured = 4,

    /// <summary>Removed because it stopped responding (AIS reports this as SA_CLM_NODE_LEFT).</summary>
    Failed = 5,

    /// <summary>Came in with another partition when two partitions merged.</summary>
    Merged = 6,
}

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
