using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Node;

// Routing of engine events to services by service id, the sync barriers, and local endpoints.
public sealed partial class ClusterNode
{
    private readonly List<INodeService> _services = [];
    private readonly Dictionary<byte, INodeService> _byId = [];
    private readonly Dictionary<(byte Service, string Scope), SyncBarrier> _barriers = [];
    private readonly Dictionary<(byte Service, string Scope), ulong> _epochs = [];
    private readonly List<SyncBarrier> _ready = [];
    private readonly Queue<GroupEvent> _local = new();
    private readonly List<GroupEvent> _shellEvents = [];
    private readonly List<(ServiceId Service, ServiceEffect Effect)> _serviceEffects = [];
    private readonly Dictionary<int, INodeService> _endpointOwners = [];
    private readonly HashSet<byte> _unknownLogged = [];
    private int _nextEndpoint = -1;
    private Instant _now;

    /// <summary>Ordered or point-to-point messages for a service that does not run here (counted, dropped).</summary>
    public long UnknownServiceMessages { get; private set; }

    /// <summary>The open barrier of <paramref name="service"/> for <paramref name="scope"/> ("" for the view's), if any.</summary>
    public SyncBarrier? OpenBarrier(ServiceId service, string scope = "") =>
        _barriers.TryGetValue((service.Value, scope), out var barrier) ? barrier : null;

    private void Add(INodeService service)
    {
        _services.Add(service);
        _byId[service.Id.Value] = service;
    }

    /// <summary>
    /// Routes one engine event, as <see cref="RunRound"/> does, for tests and fuzzers that feed hand-made events (a
    /// delivery with a payload no engine would produce, say); group events for the shell go to
    /// <see cref="INodeEffects.OnEvent"/> with it.
    /// </summary>
    internal void Inject(in MembershipEvent ev, Instant now)
    {
        if (!Enter(now))
        {
            return;
        }

        try
        {
            Route(ev);
            _effects.OnEvent(ev, _shellEvents);
            _shellEvents.Clear();
            HandOverEffects();
            Membership.Flush(now, _outbox);
            Settle(now);
        }
        finally
        {
            _settling = false;
        }
    }

    private void Route(in MembershipEvent ev)
    {
        switch (ev.Kind)
        {
            case MembershipEventKind.ViewChanged:
                OnViewChanged(ev.ViewChange!);
                break;
            case MembershipEventKind.Delivered:
                if (Target(ev.Service) is { } ordered)
                {
                    ordered.OnOrdered(ev.Sender, ev.MessageNo, ev.Payload!);
                }

                break;
            case MembershipEventKind.Direct:
                if (Target(ev.Service) is { } direct)
                {
                    direct.OnDirect(ev.Sender, ev.Payload!);
                }

                break;
            case MembershipEventKind.OutcomeUnknown:
            case MembershipEventKind.Returned:
                if (Target(ev.Service) is { } own)
                {
                    own.OnReturned(ev.Payload!, ev.Kind == MembershipEventKind.OutcomeUnknown);
                }

                break;
            default:
                return;
        }

        AfterServiceCode();
    }

    private INodeService? Target(ServiceId id)
    {
        if (_byId.TryGetValue(id.Value, out var service))
        {
            return service;
        }

        // A newer member runs a service this build does not have: its messages are dropped here, on every node
        // without it alike, and said once per service.
        UnknownServiceMessages++;
        if (_unknownLogged.Add(id.Value))
        {
            _effects.Log(LogLevel.Warning, $"dropped a message for {id}, which does not run on this node (counted; said once)");
        }

        return null;
    }

    private void OnViewChanged(ViewChange change)
    {
        foreach (var service in _services)
        {
            var key = (service.Id.Value, "");
            if (_barriers.Remove(key, out var open))
            {
                open.State = SyncState.Aborted;
                service.SyncAbort(open);
            }

            service.OnViewChanged(change);
            Begin(service, "", change.View.Members);
        }
    }

    private SyncBarrier Begin(INodeService service, string scope, IReadOnlyList<MemberId> members)
    {
        var key = (service.Id.Value, scope);
        if (_barriers.Remove(key, out var open))
        {
            open.State = SyncState.Aborted;
            service.SyncAbort(open);
        }

        ulong epoch = _epochs.TryGetValue(key, out ulong e) ? e + 1 : 1;
        _epochs[key] = epoch;
        var barrier = new SyncBarrier(service.Id, scope, epoch, Membership.CurrentView?.Id ?? ViewId.None, members);
        _barriers[key] = barrier;
        service.SyncInit(barrier);
        return barrier;
    }

    /// <summary>
    /// After any service code ran: activates barriers whose condition and gates hold, and hands group events to their
    /// endpoints (in-node ones to their service, which may cause more), until nothing is left to do.
    /// </summary>
    private void AfterServiceCode()
    {
        while (true)
        {
            bool progressed = PollBarriers();
            while (_local.TryDequeue(out var ev))
            {
                progressed = true;
                if (ev.Session < 0 && _endpointOwners.TryGetValue(ev.Session, out var owner))
                {
                    owner.OnGroupEvent(ev);
                }
                else if (ev.Session >= 0)
                {
                    _shellEvents.Add(ev);
                }
            }

            if (!progressed)
            {
                return;
            }
        }
    }

    /// <summary>Group events that came from an input with no engine event (a gate, a request): to the shell now.</summary>
    private void DeliverStandalone()
    {
        if (_shellEvents.Count > 0)
        {
            _effects.OnLocalEvents(_shellEvents);
            _shellEvents.Clear();
        }

        HandOverEffects();
    }

    // Services' effects go to the shell after the event that caused them (a quorum change after the view change), so
    // clients see them in that order.
    private void HandOverEffects()
    {
        if (_serviceEffects.Count == 0)
        {
            return;
        }

        // A handler may not feed the node (Enter refuses), so the list does not grow while it is walked.
        foreach (var (service, effect) in _serviceEffects)
        {
            _effects.OnServiceEffect(service, effect);
        }

        _serviceEffects.Clear();
    }

    private bool PollBarriers()
    {
        // Asked after every event: nothing to do, and nothing allocated, in the common case of no open barrier.
        if (_barriers.Count == 0)
        {
            return false;
        }

        _ready.Clear();
        foreach (var barrier in _barriers.Values)
        {
            if (barrier.HeldGates.Count == 0 && _byId[barrier.Service.Value].SyncProcess(barrier))
            {
                _ready.Add(barrier);
            }
        }

        foreach (var barrier in _ready)
        {
            // An activation before it may have begun a new barrier of the same scope (aborting this one).
            if (barrier.State != SyncState.Open)
            {
                continue;
            }

            _barriers.Remove((barrier.Service.Value, barrier.Scope));
            barrier.State = SyncState.Activated;
            _byId[barrier.Service.Value].SyncActivate(barrier);
        }

        return _ready.Count > 0;
    }

    private int OpenEndpoint(INodeService owner)
    {
        int endpoint = _nextEndpoint--;
        _endpointOwners[endpoint] = owner;
        return endpoint;
    }

    /// <summary>One service's view of the node: everything it does goes through here.</summary>
    private sealed class Host(ClusterNode node, ServiceId id, string name) : IServiceHost
    {
        private ServiceId _id = id;
        private string _name = name;

        public void Bind(ServiceId service, string serviceName)
        {
            _id = service;
            _name = serviceName;
        }

        public MemberId Self => node.Membership.Self;

        public View? CurrentView => node.Membership.CurrentView;

        public Instant Now => node._now;

        public int MaxMessageSize => node.Membership.Options.MaxMessageSize;

        public int MaxDirectPayload => node.Membership.MaxDirectPayload;

        public bool Supported => node.Membership.CanCarry(_id);

        public IReadOnlyList<INodeService> Services => node._services;

        public SubmitResult Submit(ReadOnlySpan<byte> payload, bool control = false, bool force = false) =>
            node.Membership.Submit(_id, payload, control, force);

        public bool CanSubmit(int size) => node.Membership.CanSubmit(size);

        public DirectResult SendDirect(NodeId destination, ReadOnlySpan<byte> payload) =>
            node.Membership.SendDirect(destination, _id, payload);

        public void Deliver(GroupEvent ev) => node._local.Enqueue(ev);

        public int OpenEndpoint() => node.OpenEndpoint(node._byId[_id.Value]);

        public SyncBarrier BeginSync(string scope, IReadOnlyList<MemberId> members)
        {
            ArgumentException.ThrowIfNullOrEmpty(scope);
            return node.Begin(node._byId[_id.Value], scope, members);
        }

        public void Emit(ServiceEffect effect) => node._serviceEffects.Add((_id, effect));

        public void Log(LogLevel level, string text) => node._effects.Log(level, $"{_name}: {text}");
    }
}
