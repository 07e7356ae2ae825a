using Muster.Core;
using Muster.Core.Random;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node;
using Muster.Node.Quorum;
using Muster.Node.Fencing;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Simulation;

/// <summary>Result of one simulated run.</summary>
public sealed record SimulationResult(
    Scenario Scenario, bool Passed, string? Failure, long Steps, Instant End, long Deliveries, long ViewInstalls,
    TimeSpan? ConvergedAfter, int StateLosses = 0, TimeSpan LongestStaleQuorum = default);

/// <summary>
/// Runs a whole cluster of <see cref="MembershipEngine"/>s in one process on a virtual clock and a seeded network
/// with delay, loss, duplication, reordering, partitions (symmetric and one-way), crashes, fast restarts and clean
/// leaves; checks the invariants after every step, then that the cluster converges once faults stop.
/// </summary>
public sealed partial class Simulator
{
    private enum EventKind : byte { Packet, Tick, Submit, Fault, Restart, ChaosEnd, CheckConvergence, HealNode, FenceAgent }

    private readonly record struct SimEvent(EventKind Kind, int Node, int From, byte[]? Data, int Length);

    private static readonly MembershipOptions s_baseOptions = new()
    {
        ClusterName = "sim",
        Nodes = [],
        MaxMessageSize = 64 * 1024,
        MaxPendingBytes = 512 * 1024,
    };

    private readonly Scenario _scenario;
    private readonly DeterministicRandom _random;
    // State-loss decisions draw from their own stream, so the other faults of a seed stay as they were.
    private readonly DeterministicRandom _lossRandom;
    private readonly PriorityQueue<SimEvent, (long, long)> _queue = new();
    private readonly SimNode[] _nodes;
    private readonly Connectivity _net;
    private readonly MembershipOptions _options;
    private readonly InvariantChecker _checker;
    private readonly IReadOnlySet<string> _skip;
    private readonly TextWriter? _trace;
    private long _order;
    private Instant _now;
    private double _loss;
    private bool _chaos = true;
    private Instant _chaosEnd;
    private Instant? _convergedAt;
    private bool _finalRound;
    private long _steps;
    private long _stepsAtSameInstant;
    private Instant _lastInstall;
    private long _installsAfterSettle;
    private int _cutVictim = -1;

    /// <summary>Names of the checks that can be switched off (to show that each of the others fails on old code).</summary>
    public static readonly IReadOnlyList<string> CheckNames = ["same-view", "global-order", "group-oracle", "stability", "quorum", "fencing"];

    public Simulator(Scenario scenario, TextWriter? trace = null, IReadOnlySet<string>? skip = null)
    {
        _scenario = scenario;
        _skip = skip ?? new HashSet<string>();
        _checker = new InvariantChecker(_skip);
        _trace = trace;
        _random = new DeterministicRandom(scenario.Seed);
        _lossRandom = new DeterministicRandom(scenario.Seed ^ 0x10_5710_5710_57UL);
        _nodes = new SimNode[scenario.Nodes];
        for (int i = 0; i < scenario.Nodes; i++)
        {
            _nodes[i] = new SimNode(new NodeId((uint)(i + 1)));
            _nodes[i].WallClockSkew = TimeSpan.FromMilliseconds(_lossRandom.Next(-100, 101));
        }

        _net = new Connectivity(scenario.Nodes);
        _options = s_baseOptions with { Nodes = [.. _nodes.Select(n => n.Id)] };
        if (scenario.Mix == FaultMix.Extended)
        {
            // Each node's clock runs at its own rate from its own origin; the protocol only ever compares instants of
            // one node, so neither may matter.
            var clocks = new DeterministicRandom(scenario.Seed ^ 0xC10C_C10C_C10C_C10CUL);
            foreach (var node in _nodes)
            {
                node.ClockRate = 1 + ((clocks.NextDouble() * 2) - 1) * scenario.ClockDrift;
                node.ClockOffset = (long)(clocks.NextDouble() * TimeSpan.FromHours(1).Ticks);
            }
        }

        ChooseQuorumOptions();
        ChooseFencingOptions();
    }

    public SimulationResult Run()
    {
        try
        {
            RunCore();
            return Result(true, null);
        }
        catch (SimulationFailureException e)
        {
            return Result(false, e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NullReferenceException or
                                       KeyNotFoundException or IndexOutOfRangeException or OverflowException)
        {
            return Result(false, $"exception in the protocol core: {e}");
        }
    }

    private SimulationResult Result(bool passed, string? failure) =>
        new(_scenario, passed, failure, _steps, _now, _checker.Deliveries, _checker.ViewInstalls,
            _convergedAt is Instant c ? c - _chaosEnd : null, _nodes.Sum(n => n.StateLosses), LongestStaleQuorum);

    private void RunCore()
    {
        // Nodes start at staggered times, as real daemons do.
        foreach (var node in _nodes)
        {
            Schedule(TimeSpan.FromMilliseconds(_random.Next(0, 400)), new SimEvent(EventKind.Restart, Index(node), 0, null, 0));
            Schedule(RandomSubmitDelay(), new SimEvent(EventKind.Submit, Index(node), 0, null, 0));
        }

        _chaosEnd = Instant.Zero + _scenario.ChaosDuration;
        if (_scenario.Mode == ScenarioMode.CutAndHeal)
        {
            _cutVictim = _random.Next(_nodes.Length);
        }
        else if (_scenario.Mode == ScenarioMode.PersistentOneWay)
        {
            int a = _random.Next(_nodes.Length);
            int b = (a + 1 + _random.Next(_nodes.Length - 1)) % _nodes.Length;
            _net.SetPersistent(_now, a, b);
            _trace?.WriteLine($"{_now} FAULT persistent one-way block {a + 1}->{b + 1} (never healed)");
        }

        if (_scenario.Faults)
        {
            Schedule(RandomFaultDelay(), new SimEvent(EventKind.Fault, 0, 0, null, 0));
        }

        Schedule(_scenario.ChaosDuration, new SimEvent(EventKind.ChaosEnd, 0, 0, null, 0));
        var hardStop = _chaosEnd + _scenario.ConvergenceBound + SettleObservation + TimeSpan.FromSeconds(5);

        while (_queue.TryDequeue(out var ev, out var key))
        {
            if (key.Item1 == _now.Ticks && ++_stepsAtSameInstant > 100_000)
            {
                throw new SimulationFailureException($"livelock: over 100000 steps at virtual time {_now} (last event {ev.Kind} at node {ev.Node + 1})");
            }
            else if (key.Item1 != _now.Ticks)
            {
                _stepsAtSameInstant = 0;
            }

            _now = new Instant(key.Item1);
            if (_now > hardStop)
            {
                break;
            }

            _steps++;
            Handle(ev);
            CheckQuorum();
            if (_finalRound && _convergedAt is Instant c && _now > c + SettleObservation)
            {
                break;
            }
        }

        if (_convergedAt is null)
        {
            throw new SimulationFailureException(
                $"no convergence within {_scenario.ConvergenceBound.TotalSeconds} s after faults stopped: {DescribeViews()}");
        }

        if (_installsAfterSettle > 0)
        {
            throw new SimulationFailureException(
                $"a persistent one-way block did not settle: {_installsAfterSettle} view installs in the " +
                $"{SettleObservation.TotalSeconds} s after the views had been quiet for {SettleQuiet.TotalSeconds} s: {DescribeViews()}");
        }

        CheckFinalDelivery();
        if (!_skip.Contains("group-oracle"))
        {
            CheckFinalGroups();
        }
    }

    // With a one-way block that never heals, the views must settle (no install for SettleQuiet) within the
    // convergence bound and then stay put for SettleObservation: a bounded number of installs per minute, here zero.
    private static readonly TimeSpan SettleQuiet = TimeSpan.FromSeconds(10);

    private TimeSpan SettleObservation =>
        _scenario.Mode == ScenarioMode.PersistentOneWay ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(3);

    private void Handle(in SimEvent ev)
    {
        if (ev.Kind is EventKind.Packet or EventKind.Tick or EventKind.Submit && _nodes[ev.Node] is { Up: true } stalled &&
            stalled.StalledUntil > _now)
        {
            // A frozen loop: its inputs wait, in order, until it runs again (packets queue as in a socket buffer).
            if (ev.Kind == EventKind.Tick)
            {
                if (stalled.ScheduledTick == _now)
                {
                    stalled.ScheduledTick = stalled.StalledUntil;
                    ScheduleAt(stalled.StalledUntil, ev);
                }
            }
            else
            {
                ScheduleAt(stalled.StalledUntil, ev);
            }

            return;
        }

        switch (ev.Kind)
        {
            case EventKind.Packet:
                var to = _nodes[ev.Node];
                if (to.Node is { } target)
                {
                    target.OnPacket(_nodes[ev.From].Id, ev.Data.AsSpan(0, ev.Length), to.LocalTime(_now));
                    AfterInput(to);
                }

                break;
            case EventKind.Tick:
                var node = _nodes[ev.Node];
                if (node.Node is { } ticked && node.ScheduledTick == _now)
                {
                    node.ScheduledTick = Instant.Never;
                    ticked.Tick(node.LocalTime(_now));
                    AfterInput(node);
                }

                break;
            case EventKind.HealNode:
                if (_chaos)
                {
                    _net.HealNode(_now, ev.Node);
                    _trace?.WriteLine($"{_now} FAULT heal node {ev.Node + 1}");
                }

                break;
            case EventKind.Submit:
                SubmitRandom(_nodes[ev.Node]);
                if (!_finalRound)
                {
                    Schedule(RandomSubmitDelay(), ev);
                }

                break;
            case EventKind.Fault:
                if (_chaos)
                {
                    InjectFault();
                    Schedule(RandomFaultDelay(), ev);
                }

                break;
            case EventKind.Restart:
                Restart(_nodes[ev.Node]);
                break;
            case EventKind.FenceAgent:
                RunFenceAgent(ev.Length);
                break;
            case EventKind.ChaosEnd:
                EndChaos();
                break;
            case EventKind.CheckConvergence:
                CheckConvergence();
                break;
        }
    }

    /// <summary>One event of a node, after its group layer has seen it: check it, and keep the workload going.</summary>
    private void OnNodeEvent(SimNode node, in MembershipEvent ev)
    {
        var engine = node.Engine!;
        switch (ev.Kind)
        {
            case MembershipEventKind.Delivered:
                _checker.OnDelivered(node.Member, ev.Sender, ev.MessageNo, ev.Payload);
                _checker.OnGroupState(node.Member, node.Groups!.Fingerprint());

                if (ev.Sender == node.Member && Workload.TryParse(ev.Payload, out _, out ulong counter))
                {
                    node.OwnPending.Remove(counter);
                }
                else if (ev.Sender == node.Member)
                {
                    NoteOwnGroupOp(node, ev.Payload!);
                }

                break;
            case MembershipEventKind.OutcomeUnknown:
                _checker.OnOutcomeUnknown(node.Member, ev.MessageNo);
                if (Workload.TryParse(ev.Payload, out _, out ulong lost))
                {
                    // Not delivered here, maybe delivered over there: no longer owed to this node.
                    node.OwnPending.Remove(lost);
                }

                break;
            case MembershipEventKind.Returned:
                if (Workload.TryParse(ev.Payload, out _, out _))
                {
                    // Never ordered anywhere: this workload wants it sent, so it submits it again, in order.
                    engine.Submit(ev.Payload, force: true);
                }

                break;
            case MembershipEventKind.ViewChanged:
                node.ViewInstalledAt = _now;
                _checker.OnViewChanged(node.Member, ev.ViewChange!);
                if (!_skip.Contains("stability"))
                {
                    CheckStability(node, ev.ViewChange!);
                }

                _lastInstall = _now;
                if (_finalRound && _scenario.Mode == ScenarioMode.PersistentOneWay)
                {
                    _installsAfterSettle++;
                }

                _trace?.WriteLine($"{_now} {node.Member}: {ev.ViewChange}");
                break;
            case MembershipEventKind.Log:
                _trace?.WriteLine($"{_now} {node.Member} {ev.Level}: {ev.Text}");
                break;
        }
    }

    /// <summary>After a node's input has run to quiescence: check its group table and schedule its next tick.</summary>
    private void AfterInput(SimNode node)
    {
        if (node.Node!.HasLeft)
        {
            node.Node = null;
            node.CrashedOrLeftThisIncarnation = true;
            return;
        }

        if (!_skip.Contains("group-oracle"))
        {
            CheckGroupOracle(node);
        }

        var deadline = node.GlobalTime(node.Node.NextDeadline);
        if (deadline < node.ScheduledTick || node.ScheduledTick < _now)
        {
            node.ScheduledTick = deadline < _now ? _now : deadline;
            ScheduleAt(node.ScheduledTick, new SimEvent(EventKind.Tick, Index(node), 0, null, 0));
        }
    }

    /// <summary>Where a simulated node's effects go: its state file, the faulty network, the checks.</summary>
    private sealed class SimEffects(Simulator simulator, SimNode node) : INodeEffects
    {
        public void PersistViewSequence(ulong mark) => node.PersistedMark = mark;

        public void Send(NodeId destination, byte[] buffer, int length) => simulator.SendPacket(node, destination, buffer, length);

        public void SendsDone()
        {
        }

        public void OnEvent(in MembershipEvent ev, IReadOnlyList<GroupEvent> groupEvents) => simulator.OnNodeEvent(node, ev);

        // The group layer produces events only from engine events.
        public void OnLocalEvents(IReadOnlyList<GroupEvent> groupEvents)
        {
        }

        public void OnServiceEffect(ServiceId service, ServiceEffect effect) => simulator.OnServiceEffect(node, effect);

        public void Log(Muster.Core.Diagnostics.LogLevel level, string text) => simulator._trace?.WriteLine($"{simulator._now} {node.Member} {level}: {text}");
    }

    private void SendPacket(SimNode from, NodeId destination, byte[] buffer, int length)
    {
        int src = Index(from);
        int dst = (int)destination.Value - 1;
        if (dst < 0 || dst >= _nodes.Length || _net.Blocked(src, dst) || _random.Chance(_loss))
        {
            return;
        }

        int copies = _chaos && _random.Chance(_scenario.Duplication) ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            var delay = _scenario.MinDelay + TimeSpan.FromTicks(
                (long)(_random.NextDouble() * (_scenario.MaxDelay - _scenario.MinDelay).Ticks));
            if (from.SlowUntil > _now)
            {
                delay += from.ExtraDelay;
            }

            // Buffers may be shared between destinations and are never modified, so no copy is needed.
            Schedule(delay, new SimEvent(EventKind.Packet, dst, src, buffer, length));
        }
    }

    private void SubmitRandom(SimNode node)
    {
        if (node.Engine is not { } engine)
        {
            return;
        }

        int size = Workload.NextSize(_random);
        int roll = _random.Next(100);
        if (roll < 40)
        {
            GroupActivity(node, roll, size);
            return;
        }

        if (!engine.CanSubmit(size))
        {
            return;
        }

        ulong counter = ++node.SubmitCounter;
        var payload = Workload.Create(node.Member, counter, size);
        if (engine.Submit(payload) == SubmitResult.Accepted)
        {
            node.OwnPending.Add(counter);
            node.Node!.Flush(node.LocalTime(_now));
            AfterInput(node);
        }
    }

    /// <summary>Two local processes join, multicast, leave and die in group "g" (CPG-style traffic).</summary>
    private void GroupActivity(SimNode node, int roll, int size)
    {
        var groups = node.Groups!;
        uint pid = (uint)_random.Next(1, 3);
        if (!node.Joined.Contains(pid))
        {
            if (groups.Join("g", pid, (int)pid) == Muster.Node.Groups.GroupRequestResult.Ok)
            {
                node.Joined.Add(pid);
            }
        }
        else if (roll < 2)
        {
            if (groups.Leave("g", pid, (int)pid) == Muster.Node.Groups.GroupRequestResult.Ok)
            {
                node.Joined.Remove(pid);
                node.Confirmed.Remove(pid);
                node.PendingRemoval[pid] = node.PendingRemoval.GetValueOrDefault(pid) + 1;
            }
        }
        else if (roll < 4)
        {
            groups.SessionClosed((int)pid);
            node.Joined.Remove(pid);
            node.Confirmed.Remove(pid);
            node.PendingRemoval[pid] = node.PendingRemoval.GetValueOrDefault(pid) + 1;
        }
        else
        {
            groups.Send("g", pid, (int)pid, new byte[Math.Min(size, 2_000)]);
        }

        node.Node!.Flush(node.LocalTime(_now));
        AfterInput(node);
    }

    private void Restart(SimNode node)
    {
        if (node.Up)
        {
            return;
        }

        if (node.LoseStateOnRestart)
        {
            // As the daemon's state store does without its file: the incarnation and the view-sequence mark both come
            // from the wall clock in milliseconds. Starts are more than a millisecond apart and view sequences grow far
            // slower than one per millisecond, so both are above anything this node used before (docs/protocol.md).
            // The incarnation only meets this node's own earlier ones, so only its own clock matters; the mark may
            // have come from a peer whose clock is ahead, so it is not checked here: the view-id check would fail.
            ulong wall = WallClockMilliseconds(node);
            if (wall <= node.Incarnation)
            {
                throw new InvalidOperationException($"simulated wall clock {wall} is not past incarnation {node.Incarnation}");
            }

            node.LoseStateOnRestart = false;
            node.StateLosses++;
            node.Incarnation = wall;
            node.PersistedMark = wall;
            _trace?.WriteLine($"{_now} {node.Id} restarts without its state file: incarnation and view mark {wall}");
        }
        else
        {
            node.Incarnation++;
        }

        node.SubmitCounter = 0;
        node.OwnPending.Clear();
        node.CrashedOrLeftThisIncarnation = false;
        node.ScheduledTick = Instant.Never;
        node.Node = new ClusterNode(node.Member, _options, node.PersistedMark, new SimEffects(this, node),
            services: FencingEnabled
                ? [host => new QuorumService(host, QuorumOptions), host => new FencingService(host, FencingOptions)]
                : [host => new QuorumService(host, QuorumOptions)]);
        node.Joined.Clear();
        node.Confirmed.Clear();
        node.PendingRemoval.Clear();
        node.UpSince = _now;
        node.StalledUntil = Instant.Zero;
        node.SlowUntil = Instant.Zero;
        node.Node.Start(node.LocalTime(_now));
        AfterInput(node);
    }

    // Unix milliseconds on the node's wall clock (NTP-synchronised: within 100 ms of true time; the monotonic clock the
    // engine sees drifts separately): far above the small counters the other restarts use.
    private ulong WallClockMilliseconds(SimNode node) =>
        (ulong)(1_800_000_000_000L + _now.Ticks / TimeSpan.TicksPerMillisecond + node.WallClockSkew.Ticks / TimeSpan.TicksPerMillisecond);

    private static void Crash(SimNode node)
    {
        node.Node = null;
        node.CrashedOrLeftThisIncarnation = true;
        node.ScheduledTick = Instant.Never;
    }

    private void InjectFault()
    {
        if (_scenario.Mode == ScenarioMode.CutAndHeal)
        {
            InjectCutAndHeal();
            return;
        }

        int n = _nodes.Length;
        int kind = _random.Next(100);
        var victim = _nodes[_random.Next(n)];
        if (_scenario.Mix == FaultMix.Extended)
        {
            // The classic kinds keep their relative shares; the new ones take a quarter of the faults.
            int extra = _random.Next(100);
            if (extra < 25)
            {
                InjectExtended(victim, extra);
                return;
            }
        }

        if (kind < 25)
        {
            if (victim.Up)
            {
                Crash(victim);
                victim.LoseStateOnRestart = _scenario.StateLoss && _lossRandom.Next(2) == 0;
                _trace?.WriteLine($"{_now} FAULT crash {victim.Member}{(victim.LoseStateOnRestart ? ", losing its state file" : "")}");
                // Sometimes back faster than failure detection.
                var back = _random.Next(3) == 0 ? TimeSpan.FromMilliseconds(_random.Next(20, 300)) : TimeSpan.FromMilliseconds(_random.Next(300, 3000));
                Schedule(back, new SimEvent(EventKind.Restart, Index(victim), 0, null, 0));
            }
        }
        else if (kind < 35)
        {
            if (victim.Node is { } leaving)
            {
                _trace?.WriteLine($"{_now} FAULT leave {victim.Member}");
                leaving.Leave(victim.LocalTime(_now));
                AfterInput(victim);
                Schedule(TimeSpan.FromMilliseconds(_random.Next(100, 3000)), new SimEvent(EventKind.Restart, Index(victim), 0, null, 0));
            }
        }
        else if (kind < 55)
        {
            // Symmetric partition into two sides.
            var side = new bool[n];
            for (int i = 0; i < n; i++)
            {
                side[i] = _random.Next(2) == 0;
            }

            _net.Partition(_now, side);
            _trace?.WriteLine($"{_now} FAULT partition {string.Join("", side.Select(s => s ? 'A' : 'B'))}");
        }
        else if (kind < 65)
        {
            // One-way loss between a pair: A hears B, B does not hear A.
            int a = _random.Next(n), b = _random.Next(n);
            if (a != b)
            {
                _net.BlockOneWay(_now, a, b);
                _trace?.WriteLine($"{_now} FAULT one-way block {a + 1}->{b + 1}");
            }
        }
        else if (kind < 80)
        {
            _net.HealAll(_now);
            _trace?.WriteLine($"{_now} FAULT heal");
        }
        else
        {
            double loss = _random.NextDouble() * _scenario.MaxLoss;
            _net.Loss(_now, _loss, loss);
            _loss = loss;
            _trace?.WriteLine($"{_now} FAULT loss {_loss:P1}");
        }
    }

    /// <summary>Stalls, delays near the failure timeout, and cut-and-heal of one node.</summary>
    private void InjectExtended(SimNode victim, int roll)
    {
        var timeout = _options.FailureTimeout;
        if (roll < 10)
        {
            if (victim.Up)
            {
                // A frozen loop (GC pause, SIGSTOP): short ones are absorbed, long ones look like a crash.
                var length = _random.Next(2) == 0
                    ? TimeSpan.FromMilliseconds(_random.Next(10, 200))
                    : TimeSpan.FromTicks((long)(timeout.Ticks * (0.5 + _random.NextDouble() * 2.5)));
                victim.StalledUntil = _now + length;
                _net.Exempt(Index(victim), victim.StalledUntil);
                _trace?.WriteLine($"{_now} FAULT stall {victim.Member} for {length.TotalMilliseconds:F0} ms");
            }
        }
        else if (roll < 18)
        {
            // Every packet the node sends takes about a failure timeout longer, for a while.
            victim.ExtraDelay = TimeSpan.FromTicks((long)(timeout.Ticks * (0.4 + _random.NextDouble() * 0.8)));
            victim.SlowUntil = _now + TimeSpan.FromMilliseconds(_random.Next(200, 3000));
            _net.Exempt(Index(victim), victim.SlowUntil + victim.ExtraDelay);
            _trace?.WriteLine($"{_now} FAULT slow {victim.Id}: +{victim.ExtraDelay.TotalMilliseconds:F0} ms until {victim.SlowUntil}");
        }
        else
        {
            CutThenHeal(Index(victim));
        }
    }

    private void InjectCutAndHeal()
    {
        if (_nodes[_cutVictim].StalledUntil <= _now)
        {
            CutThenHeal(_cutVictim);
        }
    }

    /// <summary>Cuts one node off both ways, and heals it after a time shorter or longer than the failure timeout.</summary>
    private void CutThenHeal(int victim)
    {
        var timeout = _options.FailureTimeout;
        var length = _random.Next(2) == 0
            ? TimeSpan.FromTicks((long)(timeout.Ticks * (0.1 + _random.NextDouble() * 0.7)))
            : TimeSpan.FromTicks((long)(timeout.Ticks * (1.2 + _random.NextDouble() * 2)));
        _net.Cut(_now, victim);
        _trace?.WriteLine($"{_now} FAULT cut node {victim + 1} for {length.TotalMilliseconds:F0} ms");
        Schedule(length, new SimEvent(EventKind.HealNode, victim, 0, null, 0));
    }

    private void EndChaos()
    {
        _chaos = false;
        _net.Loss(_now, _loss, 0);
        _loss = 0;
        _net.HealAll(_now);
        _trace?.WriteLine($"{_now} CHAOS END: healing everything, restarting stopped nodes");
        foreach (var node in _nodes)
        {
            if (!node.Up)
            {
                Schedule(TimeSpan.FromMilliseconds(_random.Next(0, 200)), new SimEvent(EventKind.Restart, Index(node), 0, null, 0));
            }
        }

        Schedule(TimeSpan.FromMilliseconds(50), new SimEvent(EventKind.CheckConvergence, 0, 0, null, 0));
    }

    private string DescribeViews() => string.Join("; ", _nodes.Select(n =>
        n.Engine is { } e ? $"{n.Member} {e.State} {e.CurrentView}" : $"{n.Id} down"));

    private TimeSpan RandomSubmitDelay() =>
        TimeSpan.FromTicks((long)(_random.NextDouble() * 2 * _scenario.MeanSubmitInterval.Ticks) + 1);

    private TimeSpan RandomFaultDelay() =>
        TimeSpan.FromTicks((long)(_random.NextDouble() * 2 * _scenario.MeanFaultInterval.Ticks) + 1);

    private static int Index(SimNode node) => (int)node.Id.Value - 1;

    private void Schedule(TimeSpan delay, SimEvent ev) => ScheduleAt(_now + delay, ev);

    private void ScheduleAt(Instant at, SimEvent ev) => _queue.Enqueue(ev, (at.Ticks, _order++));
}
