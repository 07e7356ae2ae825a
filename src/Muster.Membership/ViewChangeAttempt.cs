using Muster.Core;
using Muster.Wire.Messages;

namespace Muster.Membership;

/// <summary>A view change this node coordinates: the proposal, its members, and what each has answered.</summary>
internal sealed class ViewChangeAttempt
{
    public ViewChangeAttempt(ViewId proposal, MemberId[] members, Instant deadline)
    {
        Proposal = proposal;
        Members = members;
        Deadline = deadline;
    }

    public ViewId Proposal { get; }
    public MemberId[] Members { get; }
    public Instant Deadline { get; set; }
    public bool Syncing { get; set; }
    public Sync? SyncMessage { get; set; }
    public Dictionary<NodeId, PrepareOk> Promises { get; } = [];
    public HashSet<NodeId> Synced { get; } = [];

    /// <summary>Members that refused this proposal (bound to a higher one): they answered, so a retry includes them.</summary>
    public HashSet<NodeId> Refused { get; } = [];

    /// <summary>
    /// The delivered position each member still catching up last reported in a heartbeat (in its old view), and the
    /// latest the sync phase may be extended to while they report progress.
    /// </summary>
    public Dictionary<NodeId, ulong> SyncProgress { get; } = [];

    public Instant SyncCap { get; set; }

    public bool Includes(NodeId node) => Array.Exists(Members, m => m.Node == node);
}
