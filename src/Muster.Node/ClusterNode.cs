using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Node;

/// <summary>
/// One cluster node as a pure state machine: the membership engine and an ordered list of services on top of it (the
/// group layer first), behind one contract (<see cref="INodeService"/>), with one effects loop. Each input (a
/// packet, a timer, a flush after client requests, a client request or an input for a service, a gate) runs to
/// quiescence here: the engine's packets go to the <see cref="INodeEffects"/>, its events are routed to the services
/// by service id, barriers are advanced, group events go to their local endpoints, and whatever the services
/// submitted in reaction is sent in the next round, until a round produces nothing. A round bound turns a service
/// that keeps submitting into a clear error instead of a hung loop.
/// </summary>
/// <remarks>
/// The daemon, the simulator, the unit-test cluster and the fuzzers drive this type, so the simulator checks the
/// loop the daemon runs. Nothing here touches a socket, a clock, a thread or <see cref="System.Random"/>: time comes
/// in with every input.
/// </remarks>
public sealed partial class ClusterNode
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
    private readonly INodeEffects _effects;
    private bool _settling;

    /// <param name="self">This node and its incarnation.</param>
    /// <param name="options">The membership options (cluster, node list, timeouts, limits).</param>
    /// <param name="persistedViewSequence">The view-sequence mark from the node's state file (0 when there is none).</param>
    /// <param name="effects">Where the node's effects go.</param>
    /// <param name="maxLocalMemberships">The group layer's bound on local group memberships.</param>
    /// <param name="services">
    /// Services after the group layer, in routing order: each is made with its host. Their ids must differ from each
    /// other and from the group layer's.
    /// </param>
    /// <param name="maxGroupPayload">Largest group message payload a local process may send (<c>limits.max_message_size</c>).</param>
    public ClusterNode(MemberId self, MembershipOptions options, ulong persistedViewSequence, INodeEffects effects,
        int maxLocalMemberships = GroupEngine.DefaultMaxLocalMemberships,
        IEnumerable<Func<IServiceHost, INodeService>>? services = null, int maxGroupPayload = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(effects);
        _effects = effects;
        Membership = new MembershipEngine(self, options, persistedViewSequence);
        Groups = new GroupEngine(new Host(this, ServiceId.Groups, "groups"), maxLocalMemberships, maxGroupPayload);
        Add(Groups);
        foreach (var make in services ?? [])
        {
            // The host learns the service's id from the service itself: one host per service.
            var host = new Host(this, default, "");
            var service = make(host);
            if (!service.Id.IsValid || _byId.ContainsKey(service.Id.Value))
            {
                throw new ArgumentException(
                    $"service '{service.Name}' has id {service.Id.Value}, which is {(service.Id.IsValid ? "taken by another service" : "not valid")}",
                    nameof(services));
            }

            host.Bind(service.Id, service.Name);
            Add(service);
        }
    }

    /// <summary>The membership and ordering engine.</summary>
    public MembershipEngine Membership { get; }

    /// <summary>The group layer (process groups with virtually synchronous delivery), the first service.</summary>
    public GroupEngine Groups { get; }

    /// <summary>Every service, in routing order (the group layer first).</summary>
    public IReadOnlyList<INodeService> Services => _services;

    /// <summary>This node and its incarnation.</summary>
    public MemberId Self => Membership.Self;

    /// <summary>When <see cref="Tick"/> is next due: the engine's deadline or a service's, whichever is first.</summary>
    public Instant NextDeadline
    {
        get
        {
            var next = Membership.NextDeadline;
            for (int i = 1; i < _services.Count; i++)
            {
                var due = _services[i].NextDeadline;
                if (due < next)
                {
                    next = due;
                }
            }

            return next;
        }
    }

    /// <summary>True once the node has left the cluster (after <see cref="Leave"/>): further input is ignored.</summary>
    public bool HasLeft => Membership.State == NodeState.Left;

    /// <summary>Starts the node: it begins sending heartbeats and waits to join a view.</summary>
    public void Start(Instant now)
    {
        if (!Enter(now))
        {
            return;
        }

        try
        {
            Membership.Start(now, _outbox);
            Settle(now);
        }
        finally
        {
            _settling = false;
        }
    }

    /// <summary>A datagram from <paramref name="source"/> (already authenticated and decrypted by the shell).</summary>
    public void OnPacket(NodeId source, ReadOnlySpan<byte> datagram, Instant now)
    {
        if (!Enter(now))
        {
            return;
        }

        try
        {
            Membership.OnPacket(source, datagram, now, _outbox);
            Settle(now);
        }
        finally
        {
            _settling = false;
        }
    }

    /// <summary>Timers: heartbeats, failure detection, retransmission, view-change deadlines, and the services' own.</summary>
    public void Tick(Instant now)
    {
        if (!Enter(now))
        {
            return;
        }

        try
        {
            for (int i = 1; i < _services.Count; i++)
            {
                var service = _services[i];
                if (service.NextDeadline <= now)
                {
                    service.OnTick(now);
                }
            }

            AfterServiceCode();
            DeliverStandalone();
            Membership.Tick(now, _outbox);
            Settle(now);
        }
        finally
        {
            _settling = false;
        }
    }

    /// <summary>
    /// Sends what client requests queued since the last input (group joins, leaves and multicasts go to
    /// <see cref="Groups"/> first; a shell batches a round's requests and flushes once).
    /// </summary>
    public void Flush(Instant now)
    {
        if (!Enter(now))
        {
            return;
        }

        try
        {
            AfterServiceCode();
            DeliverStandalone();
            Membership.Flush(now, _outbox);
            Settle(now);
        }
        finally
        {
            _settling = false;
        }
    }

    /// <summary>Leaves the cluster cleanly: the others install a view without us at once.</summary>
    public void Leave(Instant now)
    {
        if (!Enter(now))
        {
            return;
        }

        try
        {
            Membership.Leave(now, _outbox);
            Settle(now);
        }
        finally
        {
            _settling = false;
        }
    }

    /// <summary>A client request for the service <paramref name="service"/>; what it submits is sent before this returns.</summary>
    /// <exception cref="ArgumentException">No service of that id runs here.</exception>
    public ServiceResponse Request(ServiceId service, ServiceRequest request, Instant now)
    {
        var target = Find(service);
        return RunServiceCode(now, (target, request), static s => s.target.OnRequest(s.request), ServiceResponse.Unsupported);
    }

    /// <summary>An input from the shell for the service <paramref name="service"/> (an effect's result, say).</summary>
    /// <exception cref="ArgumentException">No service of that id runs here.</exception>
    public void Input(ServiceId service, ServiceInput input, Instant now)
    {
        var target = Find(service);
        RunServiceCode(now, (target, input), static s =>
        {
            s.target.OnInput(s.input);
            return true;
        }, false);
    }

    /// <summary>
    /// A gate event: opens <paramref name="gate"/> of the open barrier of <paramref name="service"/> for
    /// <paramref name="scope"/> ("" for the view's). False when no open barrier of that scope holds that gate (the
    /// barrier it was meant for was aborted, say); a barrier whose last gate opens is activated once its service's
    /// condition holds.
    /// </summary>
    public bool OpenGate(ServiceId service, string scope, string gate, Instant now)
    {
        return RunServiceCode(now, (node: this, service, scope, gate), static s =>
            s.node._barriers.TryGetValue((s.service.Value, s.scope), out var barrier) && barrier.OpenGate(s.gate), false);
    }

    // One input that runs service code outside an event (a request, an input, a gate): the code, then what it
    // submitted or delivered, sent at once and run to quiescence. The state is passed through so the call allocates
    // no closure (requests are a hot path once the lock manager serves them).
    private TResult RunServiceCode<TState, TResult>(Instant now, TState state, Func<TState, TResult> code, TResult ignored)
    {
        if (!Enter(now))
        {
            return ignored;
        }

        try
        {
            var result = code(state);
            AfterServiceCode();
            DeliverStandalone();
            Membership.Flush(now, _outbox);
            Settle(now);
            return result;
        }
        finally
        {
            _settling = false;
        }
    }

    // False when the input is to be ignored: the node has left (as the engine ignores it then; a shell that still
    // has requests of that round queued must not fail on them).
    private bool Enter(Instant now)
    {
        // An effect handler that fed the node again would reorder effects (and recurse without bound).
        if (_settling)
        {
            throw new InvalidOperationException("ClusterNode input while its effects are being handled: submit instead, the loop sends it");
        }

        _now = now;
        if (HasLeft)
        {
            return false;
        }

        _settling = true;
        return true;
    }

    private INodeService Find(ServiceId id) =>
        _byId.TryGetValue(id.Value, out var service) ? service : throw new ArgumentException($"no {id} runs on this node", nameof(id));

    // Runs inside an input (Enter has set _settling; the input's finally clears it).
    private void Settle(Instant now)
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

            // What the services submitted in reaction (a view's sync, resubmissions) goes out now, not at the
            // next input.
            Membership.Flush(now, _outbox);
            if (_outbox.Packets.Count == 0 && _outbox.Events.Count == 0 && _outbox.PersistViewSequence is null)
            {
                return;
            }
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

        // No copy: handling these events never writes to the outbox (services' submits only queue inside the
        // engine), so the list is stable until the Clear below.
        foreach (var ev in _outbox.Events)
        {
            Route(ev);
            _effects.OnEvent(ev, _shellEvents);
            _shellEvents.Clear();
            HandOverEffects();
        }

        _outbox.Clear();
    }
}
