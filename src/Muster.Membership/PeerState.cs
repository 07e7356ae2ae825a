using Muster.Core;
using Muster.Wire;

namespace Muster.Membership;

/// <summary>What this node knows about another configured node, from its packets.</summary>
internal sealed class PeerState
{
    public PeerState(NodeId node) => Node = node;

    public NodeId Node { get; }

    /// <summary>Newest incarnation heard; packets from older ones are dropped.</summary>
    public ulong Incarnation;

    /// <summary>When any valid packet from <see cref="Incarnation"/> last arrived.</summary>
    public Instant LastHeard = new(long.MinValue / 2);

    /// <summary>When its last heartbeat arrived.</summary>
    public Instant LastHeartbeat = new(long.MinValue / 2);

    /// <summary>
    /// When a packet from it last arrived after a silence of more than half a failure timeout (it had been heard
    /// before): the end of its last cut from us, as far as we can tell; and how long that silence was.
    /// </summary>
    public Instant HeardAgainAt = new(long.MinValue / 2);
    public TimeSpan CutFor;

    /// <summary>From its last heartbeat.</summary>
    public ViewId View;
    public NodeState State;
    public NodeId[] Heard = [];
    public ulong MaxViewSequence;
    public Instant ViewReportedSince;

    /// <summary>The incarnation that announced a clean leave (0 = none).</summary>
    public ulong LeftIncarnation;

    /// <summary>Since when we hear it and its heartbeats say it hears us, without a break (Never: not now).</summary>
    public Instant BothWaysSince = Instant.Never;

    /// <summary>Kept out of proposals until then, after it failed to answer one.</summary>
    public Instant ExcludedUntil;

    /// <summary>Its last heartbeat carried another node-list digest than ours: its packets are refused until one matches.</summary>
    public bool NodeListDiffers;

    /// <summary>Its node list, from its last refusal of ours (null until one arrives, or when it did not fit).</summary>
    public NodeListEntry[]? ListedNodes;

    public bool Hears(NodeId other) => Array.IndexOf(Heard, other) >= 0;
}
