namespace Muster.Ipc.Contracts;

/// <summary>What a membership tracking request asks for; the values of AIS <c>SA_TRACK_*</c>.</summary>
[Flags]
public enum TrackFlags : byte
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>The current membership, once (SA_TRACK_CURRENT).</summary>
    Current = 0x01,

    /// <summary>On every change, all current members plus those that left, each with its change (SA_TRACK_CHANGES).</summary>
    Changes = 0x02,

    /// <summary>On every change, only the members that changed (SA_TRACK_CHANGES_ONLY).</summary>
    ChangesOnly = 0x04,
}

/// <summary>Where a node stands in the cluster.</summary>
public enum MemberState : byte
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
public enum MembershipChange : byte
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

/// <summary>Why a process joined or left a group; the numbering of Corosync's <c>CPG_REASON_*</c>.</summary>
public enum GroupChangeReason : byte
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

/// <summary>Flags of a <see cref="GroupSendRequest"/>.</summary>
[Flags]
public enum GroupSendFlags : byte
{
    /// <summary>Wait until the daemon's send queue has room.</summary>
    None = 0,

    /// <summary>Answer <see cref="ErrorCode.TryAgain"/> at once instead of waiting when the send queue is full.</summary>
    NoWait = 0x01,
}
