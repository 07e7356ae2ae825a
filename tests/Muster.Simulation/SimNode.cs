using Muster.Core;
using Muster.Membership;

namespace Muster.Simulation;

/// <summary>One simulated node: its engine (while up) and what survives a crash (incarnation, view-sequence mark).</summary>
internal sealed class SimNode
{
    public SimNode(NodeId id) => Id = id;

    public NodeId Id { get; }
    public MembershipEngine? Engine { get; set; }
    public Muster.Membership.Groups.GroupEngine? Groups { get; set; }
    public List<Muster.Membership.Groups.GroupEvent> GroupEvents { get; } = [];

    /// <summary>Local processes (pid = session) currently joined to the simulated group.</summary>
    public HashSet<uint> Joined { get; } = [];
    public bool Up => Engine is not null;

    // Persistent across restarts, as the daemon's state file is.
    public ulong Incarnation { get; set; }
    public ulong PersistedMark { get; set; }

    public Instant ScheduledTick { get; set; } = Instant.Never;
    public ulong SubmitCounter { get; set; }

    /// <summary>Counters of messages this incarnation submitted and has not yet had delivered back.</summary>
    public HashSet<ulong> OwnPending { get; } = [];
    public bool CrashedOrLeftThisIncarnation { get; set; }
    public MemberId Member => new(Id, Incarnation);
}
