using Muster.Core;
using Muster.Membership;

namespace Muster.Simulation;

/// <summary>One simulated node: its engine (while up) and what survives a crash (incarnation, view-sequence mark).</summary>
internal sealed class SimNode
{
    public SimNode(NodeId id) => Id = id;

    public NodeId Id { get; }
    /// <summary>The composed node while up (the daemon's own node type), null while down.</summary>
    public Muster.Node.ClusterNode? Node { get; set; }
    public MembershipEngine? Engine => Node?.Membership;
    public Muster.Node.Groups.GroupEngine? Groups => Node?.Groups;

    /// <summary>Local processes (pid = session) currently joined to the simulated group.</summary>
    public HashSet<uint> Joined { get; } = [];
    public bool Up => Node is not null;

    // Persistent across restarts, as the daemon's state file is.
    public ulong Incarnation { get; set; }
    public ulong PersistedMark { get; set; }

    /// <summary>The next restart comes without the state file (a state-loss fault).</summary>
    public bool LoseStateOnRestart { get; set; }

    /// <summary>How far its wall clock (used only without a state file) is off true time.</summary>
    public TimeSpan WallClockSkew { get; set; }

    /// <summary>How many times this node came back without its state file.</summary>
    public int StateLosses { get; set; }

    public Instant ScheduledTick { get; set; } = Instant.Never;

    /// <summary>When its current view was installed (global virtual time).</summary>
    public Instant ViewInstalledAt { get; set; }
    public ulong SubmitCounter { get; set; }

    /// <summary>Counters of messages this incarnation submitted and has not yet had delivered back.</summary>
    public HashSet<ulong> OwnPending { get; } = [];
    public bool CrashedOrLeftThisIncarnation { get; set; }

    /// <summary>When this incarnation started (global virtual time).</summary>
    public Instant UpSince { get; set; }

    /// <summary>The node's loop is frozen (a GC pause, SIGSTOP) until then: its inputs wait.</summary>
    public Instant StalledUntil { get; set; }

    /// <summary>Its outgoing packets take <see cref="ExtraDelay"/> longer until then.</summary>
    public Instant SlowUntil { get; set; }
    public TimeSpan ExtraDelay { get; set; }

    /// <summary>Its clock: local ticks = offset + global ticks x rate (monotonic, drifting).</summary>
    public double ClockRate { get; set; } = 1;
    public long ClockOffset { get; set; }

    /// <summary>Group oracle: processes whose join the group layer confirmed to them, and not since left or died.</summary>
    public HashSet<uint> Confirmed { get; } = [];

    /// <summary>Group oracle: per process, leaves and deaths issued and not yet delivered back (it may still be listed).</summary>
    public Dictionary<uint, int> PendingRemoval { get; } = [];

    public Instant LocalTime(Instant global) => new(ClockOffset + (long)(global.Ticks * ClockRate));

    /// <summary>The earliest global instant at which the local clock reads at least <paramref name="local"/>.</summary>
    public Instant GlobalTime(Instant local)
    {
        if (local.Ticks >= long.MaxValue / 4)
        {
            return Instant.Never;
        }

        var global = new Instant((long)Math.Ceiling((local.Ticks - ClockOffset) / ClockRate));
        while (LocalTime(global) < local)
        {
            global = new Instant(global.Ticks + 1);
        }

        return global;
    }
    public MemberId Member => new(Id, Incarnation);
}
