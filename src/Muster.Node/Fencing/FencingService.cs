using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Membership;
using Muster.Node.Quorum;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Node.Fencing;

/// <summary>
/// The fencing service of the composed node: when a member fails (leaves the view without a clean leave) and the
/// partition is quorate, one survivor, chosen from the view, fences it through its levels of devices, retrying with
/// backoff and rotating to another survivor after each failed attempt; the outcome is sent to every member in the
/// total order, so every member keeps the same pending set and history. The recovery gate
/// (<see cref="NodeRecoverable"/>) opens for a failed node only while the partition is quorate and that incarnation
/// has been fenced or acknowledged.
/// </summary>
/// <remarks>
/// Pure, like every service: running an agent is an effect (<see cref="RunFenceAgent"/>) the shell carries out, and
/// its result comes back as an input (<see cref="FenceAgentCompleted"/>). Its delays are derived from the node, the
/// target and the attempt, not drawn from a random source, so a run replays.
/// </remarks>
public sealed class FencingService : INodeService
{
    /// <summary>How often a waiting pending fence or gate looks at quorum again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IServiceHost _host;
    private readonly FencingOptions _options;
    private readonly SortedDictionary<NodeId, PendingState> _pending = [];
    // Per node: every incarnation up to this one is fenced or acknowledged (incarnations only grow), and how.
    private readonly Dictionary<NodeId, (ulong UpTo, FenceOutcome How)> _fenced = [];
    private readonly SortedDictionary<NodeId, ulong> _awaiting = [];
    private readonly List<FenceHistoryEntry> _history = [];
    private readonly List<FenceSyncMessage> _syncs = [];
    private readonly List<(MemberId Sender, byte[] Payload)> _held = [];
    private HashSet<NodeId>? _syncPending;
    private IReadOnlyList<NodeId> _members = [];
    private Attempt? _running;
    private long _nextOperation = 1;
    private Instant _lastProgress;

    /// <param name="host">The node's host for this service.</param>
    /// <param name="options">Devices, levels and retry timing.</param>
    public FencingService(IServiceHost host, FencingOptions options)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <inheritdoc/>
    public ServiceId Id => ServiceId.Fencing;

    /// <inheritdoc/>
    public string Name => "fencing";

    /// <summary>Fencing messages from other members that were malformed (counted, logged, ignored).</summary>
    public long RejectedMessages { get; private set; }

    /// <summary>The pending fences, by node.</summary>
    public IReadOnlyList<PendingFence> PendingFences => [.. _pending.Values.Select(p => p.ToRecord())];

    /// <summary>Failed nodes whose recovery gate has not opened yet.</summary>
    public IReadOnlyList<(NodeId Node, ulong Incarnation)> AwaitingRecovery => [.. _awaiting.Select(a => (a.Key, a.Value))];

    /// <summary>The history, oldest first (bounded by <see cref="FencingOptions.HistoryLimit"/>).</summary>
    public IReadOnlyList<FenceHistoryEntry> History => _history;

    /// <inheritdoc/>
    public Instant NextDeadline
    {
        get
        {
            var next = _running is { InFlight: false, Delayed: true } waiting ? waiting.StartAt : Instant.Never;

            // Something waits on quorum or on a retry time: look again a poll interval after the last look (quorum
            // changes come to another service), or at the retry time, whichever is later.
            var poll = _lastProgress + PollInterval;
            if (NextTarget() is { } p && p.Actor == _host.Self.Node && !p.ResultSent && _running is null)
            {
                next = p.NotBefore > poll ? p.NotBefore : poll;
            }

            if (_awaiting.Count > 0 && poll < next)
            {
                next = poll;
            }

            return next;
        }
    }

    private bool Quorate =>
        _host.Services.OfType<QuorumService>().FirstOrDefault() is not { } quorum || quorum.State.Quorate;

    /// <inheritdoc/>
    public void OnViewChanged(ViewChange change)
    {
        _members = [.. change.View.Members.Select(m => m.Node).Order()];
        // The quorum service, earlier in the routing order, has recounted for this view already. A partition without
        // quorum decides nothing about who failed: its "failed" nodes may be the quorate side, and a merge would
        // otherwise carry its verdicts into the cluster (the simulator's seed 142 fenced the quorate side that way).
        bool quorate = Quorate;
        foreach (var left in change.Left)
        {
            if (!quorate)
            {
                continue;
            }

            if (left.Reason == MemberChangeReason.Left)
            {
                // A clean leave holds nothing others would recover (for now: the lock manager will refuse a leave
                // while locks are held), so it is never fenced.
                continue;
            }

            var key = (left.Member.Node, left.Member.Incarnation);
            if (!IsFenced(key.Node, key.Incarnation))
            {
                AddPending(left.Member.Node, left.Member.Incarnation, _options.Action, "membership", $"it {left.Reason.ToString().ToLowerInvariant()}");
            }

            _awaiting[left.Member.Node] = left.Member.Incarnation;
        }

        // An actor that is gone hands its attempts to the next member; one still here keeps them.
        ReassignActors();
    }

    /// <inheritdoc/>
    public void SyncInit(SyncBarrier barrier)
    {
        if (barrier.Scope.Length != 0)
        {
            return;
        }

        _syncs.Clear();
        if (!_host.Supported)
        {
            _syncPending = null;
            return;
        }

        _syncPending = [.. barrier.Members.Select(m => m.Node)];
        var pending = _pending.Values.Select(p => p.ToRecord()).ToList();
        var fenced = _fenced.OrderBy(f => f.Key).Select(f => (f.Key, f.Value.UpTo)).Take(FencingWire.MaxEntries).ToList();
        _host.Submit(FencingWire.EncodeSync(new FenceSyncMessage(pending, fenced)), control: true);
    }

    /// <inheritdoc/>
    public bool SyncProcess(SyncBarrier barrier) => barrier.Scope.Length != 0 || _syncPending is not { Count: > 0 };

    /// <inheritdoc/>
    public void SyncActivate(SyncBarrier barrier)
    {
        if (barrier.Scope.Length != 0 || _syncPending is null)
        {
            return;
        }

        _syncPending = null;
        MergeSyncs();
        ReplayHeld();
        Progress();
    }

    /// <inheritdoc/>
    public void SyncAbort(SyncBarrier barrier)
    {
        if (barrier.Scope.Length == 0)
        {
            // Merge what arrived: every member that moves on with us delivered the same syncs.
            _syncPending = null;
            MergeSyncs();
            ReplayHeld();
        }
    }

    /// <inheritdoc/>
    public void OnOrdered(MemberId sender, ulong messageNo, byte[] payload)
    {
        // Results, requests and acknowledgements that come before every member's sync would be applied to a state
        // the merge then changes, differently on a member that joined: they wait for the merge (as the group layer
        // holds messages during its sync).
        if (_syncPending is not null && (payload.Length == 0 || payload[0] != (byte)FencingOp.Sync))
        {
            _held.Add((sender, payload));
            return;
        }

        Apply(sender, payload);
    }

    private void ReplayHeld()
    {
        var held = _held.ToList();
        _held.Clear();
        foreach (var (sender, payload) in held)
        {
            Apply(sender, payload);
        }
    }

    private void Apply(MemberId sender, byte[] payload)
    {
        if (!FencingWire.TryReadOp(payload, out var op))
        {
            Reject(sender, $"a message of {payload.Length} bytes without an op and version");
            return;
        }

        string problem;
        switch (op)
        {
            case FencingOp.Result:
                if (!FencingWire.TryDecodeResult(payload, out var result, out problem))
                {
                    Reject(sender, problem);
                    return;
                }

                ApplyResult(sender.Node, result);
                break;
            case FencingOp.Ack:
            case FencingOp.Request:
                if (!FencingWire.TryDecodeSimple(payload, out var target, out ulong incarnation, out byte extra, out uint uid, out problem))
                {
                    Reject(sender, problem);
                    return;
                }

                if (op == FencingOp.Ack)
                {
                    ApplyAck(sender.Node, target, incarnation, uid);
                }
                else if (FencingWire.ValidAction(extra))
                {
                    AddPending(target, incarnation, (FenceAction)extra, $"uid {uid}", $"requested by uid {uid} on node {sender.Node}");
                }
                else
                {
                    Reject(sender, $"fence request with action {extra}");
                    return;
                }

                break;
            case FencingOp.Sync:
                if (!FencingWire.TryDecodeSync(payload, out var sync, out problem))
                {
                    Reject(sender, problem);
                    _syncPending?.Remove(sender.Node);
                    return;
                }

                if (_syncPending is not null && _syncPending.Remove(sender.Node))
                {
                    _syncs.Add(sync);
                }

                return;
            default:
                Reject(sender, $"unknown op {(byte)op}");
                return;
        }

        Progress();
    }

    /// <inheritdoc/>
    public void OnReturned(byte[] payload, bool outcomeUnknown)
    {
        // Results and requests are idempotent where they land: send them again. An acknowledgement is not: the node
        // may have come back meanwhile, so the operator acknowledges again if it is still wanted.
        if (FencingWire.TryReadOp(payload, out var op) && op is FencingOp.Result or FencingOp.Request)
        {
            _host.Submit(payload, force: true);
        }
    }

    /// <inheritdoc/>
    public void OnTick(Instant now) => Progress();

    /// <inheritdoc/>
    public void OnInput(ServiceInput input)
    {
        if (input is FenceAgentCompleted done)
        {
            OnAgentCompleted(done);
            Progress();
        }
    }

    /// <inheritdoc/>
    public ServiceResponse OnRequest(ServiceRequest request) => request switch
    {
        FencingQuery => new FencingStateResponse(PendingFences, AwaitingRecovery, _history),
        AcknowledgeFence ack => RequestAck(ack),
        FenceNode fence => RequestFence(fence),
        _ => ServiceResponse.Unsupported,
    };

    private FenceChangeResponse RequestAck(AcknowledgeFence ack)
    {
        if (_members.Contains(ack.Node))
        {
            return new FenceChangeResponse(false, $"node {Named(ack.Node)} is in the view: it is running, so it cannot be acknowledged as off");
        }

        if (!_pending.TryGetValue(ack.Node, out var pending))
        {
            return new FenceChangeResponse(false, $"node {Named(ack.Node)} is not pending fence");
        }

        if (Send(FencingWire.EncodeAck(ack.Node, Math.Max(pending.Incarnation, pending.Latest), ack.RequestedBy)) is { } refused)
        {
            return refused;
        }

        _host.Log(LogLevel.Warning, $"uid {ack.RequestedBy} acknowledges node {Named(ack.Node)} (incarnation {pending.Incarnation}) as off");
        return new FenceChangeResponse(true, $"node {Named(ack.Node)} acknowledged as off; its fence is no longer pending");
    }

    private FenceChangeResponse RequestFence(FenceNode fence)
    {
        if (fence.Action is not (FenceAction.Off or FenceAction.Reboot))
        {
            return new FenceChangeResponse(false, $"fencing is done with off or reboot, not {FenceActions.Name(fence.Action)}");
        }

        if (fence.Node == _host.Self.Node)
        {
            return new FenceChangeResponse(false, "a node does not fence itself: ask another member");
        }

        if (!_options.NodeNames.ContainsKey(fence.Node))
        {
            return new FenceChangeResponse(false, $"node {fence.Node} is not in the configuration");
        }

        if (!Quorate && !fence.Force)
        {
            return new FenceChangeResponse(false, "this partition is not quorate: fencing needs quorum (--force overrides)");
        }

        ulong incarnation = _host.CurrentView?.Members.FirstOrDefault(m => m.Node == fence.Node).Incarnation ?? 0;
        if (Send(FencingWire.EncodeRequest(fence.Node, incarnation, fence.Action, fence.RequestedBy)) is { } refused)
        {
            return refused;
        }

        return new FenceChangeResponse(true, $"fencing node {Named(fence.Node)} ({FenceActions.Name(fence.Action)})");
    }

    private FenceChangeResponse? Send(byte[] message)
    {
        if (!_host.Supported || _host.CurrentView is null)
        {
            return new FenceChangeResponse(false, "fencing messages cannot be sent in this view (not in a view, or a member runs an older version)");
        }

        return _host.Submit(message, force: true) == SubmitResult.Accepted
            ? null
            : new FenceChangeResponse(false, "the request could not be queued (the node is leaving)");
    }

    private void AddPending(NodeId node, ulong incarnation, FenceAction action, string requestedBy, string why)
    {
        if (IsFenced(node, incarnation))
        {
            // A request delivered twice (sent again after a view change), or for an incarnation fenced already.
            return;
        }

        if (_pending.TryGetValue(node, out var existing))
        {
            // Requests for the same target are merged; a later incarnation does not cancel the earlier fence, and
            // the fence that ends it must cover the latest one too.
            existing.Incarnation = Math.Min(existing.Incarnation, incarnation);
            existing.Latest = Math.Max(existing.Latest, incarnation);
            return;
        }

        var pending = new PendingState(node, incarnation, action, requestedBy) { Actor = ChooseActor(node, 0), Latest = incarnation };
        _pending[node] = pending;
        ReassignActors();
        bool hasLevels = _options.Levels.TryGetValue(node, out var levels) && levels.Count > 0;
        _host.Log(LogLevel.Warning, $"node {Named(node)} (incarnation {incarnation}) is pending fence: {why}; "
            + (hasLevels ? $"node {Named(pending.Actor)} fences it" : "it has no fence devices: acknowledge it with `muster fence ack` once it is off"));
    }

    // Deterministic on every member: the view's members but the target, lowest first, rotated by failed attempts. A
    // member that is itself pending fence (a new incarnation whose old one is to be fenced) is about to be killed and
    // fences nobody: otherwise two such nodes fence each other in turn.
    private NodeId ChooseActor(NodeId target, int attempts)
    {
        var candidates = _members.Where(m => m != target && !_pending.ContainsKey(m)).ToList();
        if (candidates.Count == 0)
        {
            // Every other member is pending too (all restarted while pending): one of them must act, or none ever
            // will. Fences run one at a time (below), so two of them never fence each other at once.
            candidates = [.. _members.Where(m => m != target)];
        }

        return candidates.Count == 0 ? NodeId.None : candidates[attempts % candidates.Count];
    }

    // The pending fence being worked on: the lowest node that has devices (one without waits for an acknowledgement).
    private PendingState? NextTarget() =>
        _pending.Values.FirstOrDefault(p => _members.Contains(p.Actor) && _options.Levels.TryGetValue(p.Node, out var levels) && levels.Count > 0);


    // The pending set changed: actors that are now pending themselves, or gone, hand over.
    private void ReassignActors()
    {
        foreach (var p in _pending.Values)
        {
            if (!_members.Contains(p.Actor) || _pending.ContainsKey(p.Actor))
            {
                p.Actor = ChooseActor(p.Node, p.Attempts);
            }
        }

        if (_running is { } running && (!_pending.TryGetValue(running.Target, out var mine) || mine.Actor != _host.Self.Node))
        {
            _running = null;
        }
    }

    /// <summary>Starts what may start: this node's next attempt, and recovery gates that can open.</summary>
    private void Progress()
    {
        _lastProgress = _host.Now;
        bool quorate = Quorate;
        if (quorate)
        {
            OpenGates();
        }

        // One fence at a time, lowest target first (dlm_controld's enable_concurrent_fencing=0): every member agrees
        // which, and a node being fenced is never fencing another at the same moment.
        if (_running is null && quorate && NextTarget() is { } p && p.Actor == _host.Self.Node && !p.ResultSent && p.NotBefore <= _host.Now)
        {
            _running = new Attempt(p.Node, KnownIncarnation(p.Node, p.Incarnation), p.Action, p.Attempts, _options.Levels[p.Node]);
        }

        if (_running is { } attempt && !attempt.InFlight && attempt.StartAt <= _host.Now)
        {
            RunStep(attempt);
        }
    }

    private void RunStep(Attempt attempt)
    {
        var level = attempt.Levels[attempt.LevelIndex];
        string deviceName = level.Devices[attempt.DeviceIndex];
        if (!_options.Devices.TryGetValue(deviceName, out var device))
        {
            // The configuration check makes this impossible; a failure of the level, not a crash.
            attempt.Steps.Add(new FenceStep(level.Index, deviceName, FenceOutcome.Failed, TimeSpan.Zero, "no such device"));
            NextLevel(attempt);
            return;
        }

        var stdin = new List<string>(device.Parameters.Count + 3) { $"action={FenceActions.Name(attempt.Action)}" };
        string plug = device.HostMap.TryGetValue(attempt.Target, out string? mapped) ? mapped : _options.NameOf(attempt.Target);
        stdin.Add($"plug={plug}");
        stdin.Add($"nodename={_options.NameOf(attempt.Target)}");
        foreach (var (key, value) in device.Parameters)
        {
            stdin.Add($"{key}={value}");
        }

        // The device's delay is waited out here, not in the shell: the agent then starts when it is emitted, and
        // the incarnations known at that moment are the ones it can have killed (a reboot's new one joins later).
        var delay = Delay(device, attempt);
        if (!attempt.Delayed && delay > TimeSpan.Zero)
        {
            attempt.Delayed = true;
            attempt.StartAt = _host.Now + delay;
            return;
        }

        attempt.Delayed = false;
        attempt.InFlight = true;
        attempt.Operation = _nextOperation++;
        attempt.Device = device;
        attempt.KnownAtStart = KnownIncarnation(attempt.Target, attempt.Incarnation);
        _host.Emit(new RunFenceAgent(attempt.Operation, attempt.Target, device.Name, device.Agent, attempt.Action, stdin, device.Timeout));
    }

    // pcmk_delay_base plus up to pcmk_delay_max, the second from a hash of who fences whom, so both nodes of a two-node
    // race draw different delays and a run replays. Only before the first device of an attempt's first level.
    private TimeSpan Delay(FenceDevice device, Attempt attempt)
    {
        if (attempt.LevelIndex != 0 || attempt.DeviceIndex != 0 || attempt.Retry != 0)
        {
            return TimeSpan.Zero;
        }

        var delay = device.DelayBase;
        if (device.DelayMax > TimeSpan.Zero)
        {
            ulong h = (_host.Self.Node.Value * 0x9E3779B97F4A7C15UL) ^ (attempt.Target.Value * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)attempt.AttemptNo;
            h ^= h >> 29;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 32;
            delay += TimeSpan.FromTicks((long)(h % (ulong)Math.Max(1, device.DelayMax.Ticks)));
        }

        return delay;
    }

    private void OnAgentCompleted(FenceAgentCompleted done)
    {
        if (_running is not { InFlight: true } attempt || attempt.Operation != done.Operation)
        {
            return;
        }

        attempt.InFlight = false;
        var level = attempt.Levels[attempt.LevelIndex];
        var outcome = done.TimedOut ? FenceOutcome.TimedOut : done.ExitCode == 0 ? FenceOutcome.Succeeded : FenceOutcome.Failed;
        attempt.Steps.Add(new FenceStep(level.Index, attempt.Device!.Name, outcome, done.Duration, Tail(done.Output)));
        if (outcome == FenceOutcome.Succeeded)
        {
            attempt.Retry = 0;
            if (++attempt.DeviceIndex == level.Devices.Count)
            {
                Finish(attempt, succeeded: true);
            }

            return;
        }

        if (attempt.Retry < attempt.Device.Retries)
        {
            attempt.Retry++;
            return;
        }

        NextLevel(attempt);
    }

    private void NextLevel(Attempt attempt)
    {
        attempt.Retry = 0;
        attempt.DeviceIndex = 0;
        if (++attempt.LevelIndex == attempt.Levels.Count)
        {
            Finish(attempt, succeeded: false);
        }
    }

    private void Finish(Attempt attempt, bool succeeded)
    {
        _running = null;
        // The incarnations known when the last agent of the level started were all running before the power went
        // off, so the fence covers them; one that joins later (a reboot's next one) is not covered.
        ulong upTo = Math.Max(attempt.Incarnation, attempt.KnownAtStart);
        bool sent = Send(FencingWire.EncodeResult(new FenceResultMessage(attempt.Target, upTo, attempt.Action, succeeded, attempt.Steps))) is null;
        // No new attempt until this one's result is delivered (it may be handed back and sent again meanwhile); one
        // that could not be sent is run again.
        if (sent && _pending.TryGetValue(attempt.Target, out var pending))
        {
            pending.ResultSent = true;
        }
    }

    private void ApplyResult(NodeId actor, FenceResultMessage result)
    {
        foreach (var step in result.Steps)
        {
            Record(new FenceHistoryEntry(_host.Now, result.Target, result.Incarnation, step.Level, step.Device, result.Action, step.Outcome,
                step.Duration, actor, _pending.TryGetValue(result.Target, out var p) ? p.RequestedBy : "membership", step.Output));
        }

        if (result.Succeeded)
        {
            // Marked even where nothing is pending (a member that learned of the failure late): the mark is what
            // the next sync carries.
            MarkFenced(result.Target, result.Incarnation, FenceOutcome.Succeeded);
            if (_pending.TryGetValue(result.Target, out var done))
            {
                if (Math.Max(done.Incarnation, done.Latest) <= result.Incarnation)
                {
                    _pending.Remove(result.Target);
                    ReassignActors();
                }
                else
                {
                    // A later incarnation failed after that attempt started: it is not covered, so fence again
                    // (seeds 1090, 1147, 2210 and others stayed pending forever before).
                    done.Incarnation = result.Incarnation + 1;
                    done.ResultSent = false;
                }
            }

            _host.Log(LogLevel.Warning, $"node {Named(result.Target)} (incarnation {result.Incarnation}) fenced by node {Named(actor)}");
            return;
        }

        if (!_pending.TryGetValue(result.Target, out var pending))
        {
            return;
        }

        pending.Attempts++;
        pending.ResultSent = false;
        var wait = TimeSpan.FromTicks(Math.Min(_options.EffectiveRetryMax.Ticks,
            _options.EffectiveRetryBase.Ticks << Math.Min(pending.Attempts - 1, 16)));
        pending.NotBefore = _host.Now + wait;
        pending.Actor = ChooseActor(result.Target, pending.Attempts);
        ReassignActors();
        _host.Log(LogLevel.Error, $"fencing node {Named(result.Target)} failed on every level (attempt {pending.Attempts}); "
            + $"node {Named(pending.Actor)} tries again in {wait.TotalSeconds:0.#} s");
    }

    private void ApplyAck(NodeId from, NodeId target, ulong incarnation, uint uid)
    {
        if (_host.CurrentView?.Members.FirstOrDefault(m => m.Node == target) is { Node.IsValid: true } running
            && _pending.TryGetValue(target, out var stillPending) && running.Incarnation <= Math.Max(stillPending.Latest, incarnation))
        {
            // Sent while the node was away; it came back meanwhile, so it is not off.
            _host.Log(LogLevel.Warning, $"acknowledgement of node {Named(target)} by uid {uid} not applied: incarnation {running.Incarnation} is in the view");
            return;
        }

        if (!_pending.Remove(target, out var pending))
        {
            return;
        }

        ReassignActors();

        Record(new FenceHistoryEntry(_host.Now, target, pending.Incarnation, 0, "", pending.Action, FenceOutcome.Acknowledged, TimeSpan.Zero,
            from, $"uid {uid}", "acknowledged by an operator"));
        MarkFenced(target, Math.Max(incarnation, pending.Latest), FenceOutcome.Acknowledged);
        _host.Log(LogLevel.Warning, $"node {Named(target)} acknowledged as off by uid {uid} on node {Named(from)}");
        if (_running?.Target == target)
        {
            _running = null;
        }
    }

    // A fence kills the machine, so every incarnation that ran before it is gone: the one that failed, one that rejoined
    // meanwhile (a new incarnation does not cancel the fence), the one awaiting recovery. The result carries the
    // highest incarnation the actor knew of when the agent returned; a later one (a restart after the fence) is not
    // covered, and its own failure needs its own fence (the simulator's seed 371).
    private void MarkFenced(NodeId node, ulong upTo, FenceOutcome how)
    {
        var known = new List<ulong> { upTo };
        if (_awaiting.TryGetValue(node, out ulong awaited))
        {
            known.Add(awaited);
        }

        if (_host.CurrentView?.Members.FirstOrDefault(m => m.Node == node) is { Node.IsValid: true } member)
        {
            known.Add(member.Incarnation);
        }

        ulong highest = known.Where(i => i <= upTo).Max();
        if (!_fenced.TryGetValue(node, out var now) || now.UpTo < highest)
        {
            _fenced[node] = (highest, how);
        }
    }

    private bool IsFenced(NodeId node, ulong incarnation) => _fenced.TryGetValue(node, out var f) && incarnation <= f.UpTo;

    // The highest incarnation of the target this node knows now: what an attempt started now kills.
    private ulong KnownIncarnation(NodeId node, ulong pending)
    {
        ulong highest = pending;
        if (_pending.TryGetValue(node, out var p))
        {
            highest = Math.Max(highest, p.Latest);
        }

        if (_awaiting.TryGetValue(node, out ulong awaited))
        {
            highest = Math.Max(highest, awaited);
        }

        if (_host.CurrentView?.Members.FirstOrDefault(m => m.Node == node) is { Node.IsValid: true } member)
        {
            highest = Math.Max(highest, member.Incarnation);
        }

        return highest;
    }

    private void OpenGates()
    {
        foreach (var (node, incarnation) in _awaiting.ToList())
        {
            if (IsFenced(node, incarnation) && !_pending.ContainsKey(node))
            {
                _awaiting.Remove(node);
                var how = _fenced[node].How;
                _host.Log(LogLevel.Info, $"node {Named(node)} (incarnation {incarnation}) is recoverable: quorate, and it was {(how == FenceOutcome.Acknowledged ? "acknowledged" : "fenced")}");
                _host.Emit(new NodeRecoverable(node, incarnation, how, _host.CurrentView?.Id ?? ViewId.None));
            }
        }
    }

    private void MergeSyncs()
    {
        foreach (var sync in _syncs)
        {
            foreach (var (node, upTo) in sync.Fenced)
            {
                if (!_fenced.TryGetValue(node, out var mine) || mine.UpTo < upTo)
                {
                    _fenced[node] = (upTo, mine.UpTo == 0 ? FenceOutcome.Succeeded : mine.How);
                }
            }

            foreach (var p in sync.Pending)
            {
                if (IsFenced(p.Node, p.Incarnation))
                {
                    continue;
                }

                if (_pending.TryGetValue(p.Node, out var mine))
                {
                    mine.Incarnation = Math.Min(mine.Incarnation, p.Incarnation);
                    mine.Latest = Math.Max(mine.Latest, Math.Max(p.Latest, p.Incarnation));
                    mine.Attempts = Math.Max(mine.Attempts, p.Attempts);
                }
                else
                {
                    _pending[p.Node] = new PendingState(p.Node, p.Incarnation, p.Action, p.RequestedBy)
                    {
                        Attempts = p.Attempts,
                        Latest = Math.Max(p.Latest, p.Incarnation),
                    };
                }
            }
        }

        _syncs.Clear();

        // A fenced or acknowledged incarnation must not be a member (an acknowledged node that was not off after
        // all, merging when the network heals): fence it again. Checked on the merged state, which is the same on
        // every member, so all of them decide alike.
        if (Quorate && _host.CurrentView is { } view)
        {
            foreach (var m in view.Members)
            {
                if (IsFenced(m.Node, m.Incarnation) && !_pending.ContainsKey(m.Node))
                {
                    _host.Log(LogLevel.Error, $"node {m.Node} incarnation {m.Incarnation} was fenced or acknowledged but is in view {view.Id}: fencing it again");
                    _fenced[m.Node] = (m.Incarnation - 1, _fenced[m.Node].How);
                    AddPending(m.Node, m.Incarnation, _options.Action, "membership", "a fenced incarnation is a member again");
                }
            }
        }

        // A pending fence whose incarnation another member saw fenced is done.
        foreach (var node in _pending.Keys.ToList())
        {
            if (IsFenced(node, Math.Max(_pending[node].Incarnation, _pending[node].Latest)))
            {
                _pending.Remove(node);
            }
        }

        foreach (var p in _pending.Values)
        {
            p.Actor = ChooseActor(p.Node, p.Attempts);
        }

        ReassignActors();
    }

    private void Record(FenceHistoryEntry entry)
    {
        _history.Add(entry);
        if (_history.Count > _options.HistoryLimit)
        {
            _history.RemoveRange(0, _history.Count - _options.HistoryLimit);
        }
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string tail = string.Join('\n', lines.TakeLast(5));
        return tail.Length <= FencingWire.MaxOutputBytes / 2 ? tail : tail[^(FencingWire.MaxOutputBytes / 2)..];
    }

    private string Named(NodeId node) => _options.NodeNames.TryGetValue(node, out string? name) ? $"{node} \"{name}\"" : node.ToString();

    private void Reject(MemberId sender, string problem)
    {
        RejectedMessages++;
        _host.Log(LogLevel.Warning, $"rejected a fencing message from node {sender.Node}: {problem} (counted)");
    }

    private sealed class PendingState(NodeId node, ulong incarnation, FenceAction action, string requestedBy)
    {
        public NodeId Node { get; } = node;
        public ulong Incarnation { get; set; } = incarnation;
        public FenceAction Action { get; } = action;
        public string RequestedBy { get; } = requestedBy;
        public int Attempts { get; set; }
        public NodeId Actor { get; set; }
        public Instant NotBefore { get; set; }

        // The latest incarnation that failed while this was pending: the fence must cover it too.
        public ulong Latest { get; set; }

        // This node, the actor, sent an attempt's result that is not delivered yet (local, not replicated).
        public bool ResultSent { get; set; }

        public PendingFence ToRecord() => new(Node, Incarnation, Action, Attempts, Actor, RequestedBy, Latest);
    }

    private sealed class Attempt(NodeId target, ulong incarnation, FenceAction action, int attemptNo, IReadOnlyList<FenceLevel> levels)
    {
        public NodeId Target { get; } = target;
        public ulong Incarnation { get; } = incarnation;
        public FenceAction Action { get; } = action;
        public int AttemptNo { get; } = attemptNo;
        public IReadOnlyList<FenceLevel> Levels { get; } = levels;
        public int LevelIndex { get; set; }
        public int DeviceIndex { get; set; }
        public int Retry { get; set; }
        public bool InFlight { get; set; }
        public bool Delayed { get; set; }
        public Instant StartAt { get; set; }
        public ulong KnownAtStart { get; set; }
        public long Operation { get; set; }
        public FenceDevice? Device { get; set; }
        public List<FenceStep> Steps { get; } = [];
    }
}
