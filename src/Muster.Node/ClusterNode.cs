using Muster.Core;
using Muster.Membership;
using Muster.Membership.Groups;

namespace Muster.Node;

/// <summary>
/// One cluster node as a pure state machine: the membership engine and the group layer on top of it, with one effects
/// loop. Each input (a packet, a timer, a flush after client requests) runs to quiescence here: the engine's packets
/// and events go to the <see cref="INodeEffects"/>, every event is routed to the group layer first, and whatever the
/// group layer submitted in reaction (a view's sync, resubmissions) is sent in the next round, until a round produces
/// nothing. A round bound turns a service that keeps submitting into a clear error instead of a hung loop.
/// </summary>
/// <remarks>
/// The daemon, the simulator, the unit-test cluster and the fuzzers drive this type, so the simulator checks the
/// loop the daemon runs. Nothing here touches a socket, a clock, a thread or <see cref="System.Random"/>: time comes
/// in with every input.
/// </remarks>
public sealed class ClusterNode
{
    /// <summary>
    /// How many rounds in a row in which a service submitted in reaction to what it was handed one input may take
    /// before the loop is declared stuck. Rounds that only drain a backlog submitted before the input (a one-member view
    /// sequences and delivers one window per round) do not count.
    /// </summary>
    public const int MaxRounds = 64;

    // An absolute bound besides: an engine whose flush kept producing events without end would hang the loop.
    private const int MaxDrainRounds = 1_000_000;

    private readonly Outbox _outbox = new();
    private readonly List<GroupEvent> _groupEvents = [];
    private readonly INodeEffects _effects;
    private bool _settling;

    /// <param name="self">This node and its incarnation.</param>
    /// <param name="options">The membership options (cluster, node list, timeouts, limits).</param>
    /// <param name="persistedViewSequence">The view-sequence mark from the node's state file (0 when there is none).</param>
    /// <param name="effects">Where the node's effects go.</param>
    /// <param name="maxLocalMemberships">The group layer's bound on local group memberships.</param>
    public ClusterNode(MemberId self, MembershipOptions options, ulong persistedViewSequence, INodeEffects effects,
        int maxLocalMemberships = GroupEngine.DefaultMaxLocalMemberships)
    {
        ArgumentNullException.ThrowIfNull(effects);
        _effects = effects;
        Membership = new MembershipEngine(self, options, persistedViewSequence);
        Groups = new GroupEngine(Membership, maxLocalMemberships);
    }

    /// <summary>The membership and ordering engine.</summary>
    public MembershipEngine Membership { get; }

    /// <summary>The group layer (process groups with virtually synchronous delivery).</summary>
    public GroupEngine Groups { get; }

    /// <summary>This node and its incarnation.</summary>
    public MemberId Self => Membership.Self;

    /// <summary>When <see cref="Tick"/> is next due.</summary>
    public Instant NextDeadline => Membership.NextDeadline;

    /// <summary>True once the node has left the cluster (after <see cref="Leave"/>): further input is ignored.</summary>
    public bool HasLeft => Membership.State == NodeState.Left;

    /// <summary>Starts the node: it begins sending heartbeats and waits to join a view.</summary>
    public void Start(Instant now)
    {
        if (!Enter())
        {
            return;
        }

        Membership.Start(now, _outbox);
        Settle(now);
    }

    /// <summary>A datagram from <paramref name="source"/> (already authenticated and decrypted by the shell).</summary>
    public void OnPacket(NodeId source, ReadOnlySpan<byte> datagram, Instant now)
    {
        if (!Enter())
        {
            return;
        }

        Membership.OnPacket(source, datagram, now, _outbox);
        Settle(now);
    }

    /// <summary>Timers: heartbeats, failure detection, retransmission, view-change deadlines.</summary>
    public void Tick(Instant now)
    {
        if (!Enter())
        {
            return;
        }

        Membership.Tick(now, _outbox);
        Settle(now);
    }

    /// <summary>
    /// Sends what client requests queued since the last input (group joins, leaves and multicasts go to
    /// <see cref="Groups"/> first; a shell batches a round's requests and flushes once).
    /// </summary>
    public void Flush(Instant now)
    {
        if (!Enter())
        {
            return;
        }

        Membership.Flush(now, _outbox);
        Settle(now);
    }

    /// <summary>Leaves the cluster cleanly: the others install a view without us at once.</summary>
    public void Leave(Instant now)
    {
        if (!Enter())
        {
            return;
        }

        Membership.Leave(now, _outbox);
        Settle(now);
    }

    // False when the input is to be ignored: the node has left (as the engine ignores it then; a shell that still
    // has requests of that round queued must not fail on them).
    private bool Enter()
    {
        // An effect handler that fed the node again would reorder effects (and recurse without bound).
        if (_settling)
        {
            throw new InvalidOperationException("ClusterNode input while its effects are being handled: submit instead, the loop sends it");
        }

        return !HasLeft;
    }

    private void Settle(Instant now)
    {
        _settling = true;
        try
        {
            for (int reacting = 0, round = 0; ; round++)
            {
                if (reacting == MaxRounds)
                {
                    throw new NodeLoopException(
                        $"node {Membership.Self}: the effects loop did not settle in {MaxRounds} rounds; a service keeps submitting in reaction to its own deliveries");
                }

                if (round == MaxDrainRounds)
                {
                    throw new NodeLoopException(
                        $"node {Membership.Self}: the effects loop did not settle in {MaxDrainRounds} rounds; the engine keeps producing output");
                }

                long submissions = Membership.Submissions;
                RunRound();
                if (HasLeft)
                {
                    return;
                }

                reacting = Membership.Submissions == submissions ? 0 : reacting + 1;

                // What the group layer submitted in reaction (a view's sync, resubmissions) goes out now, not at the
                // next input.
                Membership.Flush(now, _outbox);
                if (_outbox.Packets.Count == 0 && _outbox.Events.Count == 0 && _outbox.PersistViewSequence is null)
                {
                    return;
                }
            }
        }
        finally
        {
            _settling = false;
        }
    }

    private void RunRound()
    {
        if (_outbox.PersistViewSequence is ulong mark)
        {
            _effects.PersistViewSequence(mark);
        }

        if (_outbox.Packets.Count > 0)
        {
            foreach (var packet in _outbox.Packets)
            {
                _effects.Send(packet.Destination, packet.Buffer, packet.Length);
            }

            _effects.SendsDone();
        }

        // No copy: handling these events never writes to the outbox (the group layer's submits only queue inside
        // the engine), so the list is stable until the Clear below.
        foreach (var ev in _outbox.Events)
        {
            _groupEvents.Clear();
            if (ev.Kind != MembershipEventKind.Log && ev.Kind != MembershipEventKind.LeftCluster)
            {
                Groups.OnMembershipEvent(ev, _groupEvents);
            }

            _effects.OnEvent(ev, _groupEvents);
        }

        _groupEvents.Clear();
        _outbox.Clear();
    }
}
