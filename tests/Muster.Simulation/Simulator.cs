using Muster.Core;
using Muster.Core.Random;
using Muster.Membership;

namespace Muster.Simulation;

/// <summary>Result of one simulated run.</summary>
public sealed record SimulationResult(
    Scenario Scenario, bool Passed, string? Failure, long Steps, Instant End, long Deliveries, long ViewInstalls,
    TimeSpan? ConvergedAfter);

/// <summary>
/// Runs a whole cluster of <see cref="MembershipEngine"/>s in one process on a virtual clock and a seeded network
/// with delay, loss, duplication, reordering, partitions (symmetric and one-way), crashes, fast restarts and clean
/// leaves; checks the invariants after every step, then that the cluster converges once faults stop.
/// </summary>
public sealed class Simulator
{
    private enum EventKind : byte { Packet, Tick, Submit, Fault, Restart, ChaosEnd, CheckConvergence }

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
    private readonly PriorityQueue<SimEvent, (long, long)> _queue = new();
    private readonly SimNode[] _nodes;
    private readonly bool[,] _blocked;
    private readonly MembershipOptions _options;
    private readonly InvariantChecker _checker = new();
    private readonly Outbox _outbox = new();
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

    public Simulator(Scenario scenario, TextWriter? trace = null)
    {
        _scenario = scenario;
        _trace = trace;
        _random = new DeterministicRandom(scenario.Seed);
        _nodes = new SimNode[scenario.Nodes];
        for (int i = 0; i < scenario.Nodes; i++)
        {
            _nodes[i] = new SimNode(new NodeId((uint)(i + 1)));
        }

        _blocked = new bool[scenario.Nodes, scenario.Nodes];
        _options = s_baseOptions with { Nodes = [.. _nodes.Select(n => n.Id)] };
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
            _convergedAt is Instant c ? c - _chaosEnd : null);

    private void RunCore()
    {
        // Nodes start at staggered times, as real daemons do.
        foreach (var node in _nodes)
        {
            Schedule(TimeSpan.FromMilliseconds(_random.Next(0, 400)), new SimEvent(EventKind.Restart, Index(node), 0, null, 0));
            Schedule(RandomSubmitDelay(), new SimEvent(EventKind.Submit, Index(node), 0, null, 0));
        }

        _chaosEnd = Instant.Zero + _scenario.ChaosDuration;
        if (_scenario.Faults)
        {
            Schedule(RandomFaultDelay(), new SimEvent(EventKind.Fault, 0, 0, null, 0));
        }

        Schedule(_scenario.ChaosDuration, new SimEvent(EventKind.ChaosEnd, 0, 0, null, 0));
        var hardStop = _chaosEnd + _scenario.ConvergenceBound + TimeSpan.FromSeconds(5);

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
            if (_finalRound && _convergedAt is Instant c && _now > c + TimeSpan.FromSeconds(3))
            {
                break;
            }
        }

        if (_convergedAt is null)
        {
            throw new SimulationFailureException(
                $"no convergence within {_scenario.ConvergenceBound.TotalSeconds} s after faults stopped: {DescribeViews()}");
        }

        CheckFinalDelivery();
    }

    private void Handle(in SimEvent ev)
    {
        switch (ev.Kind)
        {
            case EventKind.Packet:
                var to = _nodes[ev.Node];
                if (to.Engine is { } engine)
                {
                    engine.OnPacket(_nodes[ev.From].Id, ev.Data.AsSpan(0, ev.Length), _now, _outbox);
                    Drain(to);
                }

                break;
            case EventKind.Tick:
                var node = _nodes[ev.Node];
                if (node.Engine is { } e2 && node.ScheduledTick == _now)
                {
                    node.ScheduledTick = Instant.Never;
                    e2.Tick(_now, _outbox);
                    Drain(node);
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
            case EventKind.ChaosEnd:
                EndChaos();
                break;
            case EventKind.CheckConvergence:
                CheckConvergence();
                break;
        }
    }

    /// <summary>Carries out an engine's effects: persist, send through the faulty network, check events.</summary>
    private void Drain(SimNode node)
    {
        var engine = node.Engine!;
        if (_outbox.PersistViewSequence is ulong mark)
        {
            node.PersistedMark = mark;
        }

        foreach (var packet in _outbox.Packets)
        {
            SendPacket(node, packet);
        }

        bool left = false;
        foreach (var ev in _outbox.Events)
        {
            switch (ev.Kind)
            {
                case MembershipEventKind.Delivered:
                    _checker.OnDelivered(node.Member, ev.Sender, ev.MessageNo, ev.Payload, ev.Transitional);
                    node.Groups!.OnMembershipEvent(ev, node.GroupEvents);
                    if (!ev.Transitional)
                    {
                        _checker.OnGroupState(node.Member, node.Groups.Fingerprint());
                    }

                    if (ev.Sender == node.Member && Workload.TryParse(ev.Payload, out _, out ulong counter))
                    {
                        node.OwnPending.Remove(counter);
                    }

                    break;
                case MembershipEventKind.ViewChanged:
                    _checker.OnViewChanged(node.Member, ev.ViewChange!);
                    node.Groups!.OnMembershipEvent(ev, node.GroupEvents);
                    _trace?.WriteLine($"{_now} {node.Member}: {ev.ViewChange}");
                    break;
                case MembershipEventKind.Log:
                    _trace?.WriteLine($"{_now} {node.Member} {ev.Level}: {ev.Text}");
                    break;
                case MembershipEventKind.LeftCluster:
                    left = true;
                    break;
            }
        }

        _outbox.Clear();
        node.GroupEvents.Clear();
        if (left)
        {
            node.Engine = null;
            node.CrashedOrLeftThisIncarnation = true;
            return;
        }

        // The group layer may have submitted (a view's sync): send it now, as the daemon does.
        engine.Flush(_now, _outbox);
        if (_outbox.Packets.Count > 0 || _outbox.Events.Count > 0)
        {
            Drain(node);
            return;
        }

        var deadline = engine.NextDeadline;
        if (deadline < node.ScheduledTick || node.ScheduledTick < _now)
        {
            node.ScheduledTick = deadline < _now ? _now : deadline;
            ScheduleAt(node.ScheduledTick, new SimEvent(EventKind.Tick, Index(node), 0, null, 0));
        }
    }

    private void SendPacket(SimNode from, OutgoingPacket packet)
    {
        int src = Index(from);
        int dst = (int)packet.Destination.Value - 1;
        if (dst < 0 || dst >= _nodes.Length || _blocked[src, dst] || _random.Chance(_loss))
        {
            return;
        }

        int copies = _chaos && _random.Chance(_scenario.Duplication) ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            var delay = _scenario.MinDelay + TimeSpan.FromTicks(
                (long)(_random.NextDouble() * (_scenario.MaxDelay - _scenario.MinDelay).Ticks));
            // Buffers may be shared between destinations and are never modified, so no copy is needed.
            Schedule(delay, new SimEvent(EventKind.Packet, dst, src, packet.Buffer, packet.Length));
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
            Drain(node);
        }
    }

    /// <summary>Two local processes join, multicast, leave and die in group "g" (CPG-style traffic).</summary>
    private void GroupActivity(SimNode node, int roll, int size)
    {
        var groups = node.Groups!;
        uint pid = (uint)_random.Next(1, 3);
        if (!node.Joined.Contains(pid))
        {
            if (groups.Join("g", pid, (int)pid) == Muster.Membership.Groups.GroupRequestResult.Ok)
            {
                node.Joined.Add(pid);
            }
        }
        else if (roll < 2)
        {
            groups.Leave("g", pid, (int)pid);
            node.Joined.Remove(pid);
        }
        else if (roll < 4)
        {
            groups.SessionClosed((int)pid);
            node.Joined.Remove(pid);
        }
        else
        {
            groups.Send("g", pid, (int)pid, new byte[Math.Min(size, 2_000)]);
        }

        Drain(node);
    }

    private void Restart(SimNode node)
    {
        if (node.Up)
        {
            return;
        }

        node.Incarnation++;
        node.SubmitCounter = 0;
        node.OwnPending.Clear();
        node.CrashedOrLeftThisIncarnation = false;
        node.ScheduledTick = Instant.Never;
        node.Engine = new MembershipEngine(node.Member, _options, node.PersistedMark);
        node.Groups = new Muster.Membership.Groups.GroupEngine(node.Engine);
        node.Joined.Clear();
        node.Engine.Start(_now, _outbox);
        Drain(node);
    }

    private static void Crash(SimNode node)
    {
        node.Engine = null;
        node.CrashedOrLeftThisIncarnation = true;
        node.ScheduledTick = Instant.Never;
    }

    private void InjectFault()
    {
        int n = _nodes.Length;
        int kind = _random.Next(100);
        var victim = _nodes[_random.Next(n)];
        if (kind < 25)
        {
            if (victim.Up)
            {
                _trace?.WriteLine($"{_now} FAULT crash {victim.Member}");
                Crash(victim);
                // Sometimes back faster than failure detection.
                var back = _random.Next(3) == 0 ? TimeSpan.FromMilliseconds(_random.Next(20, 300)) : TimeSpan.FromMilliseconds(_random.Next(300, 3000));
                Schedule(back, new SimEvent(EventKind.Restart, Index(victim), 0, null, 0));
            }
        }
        else if (kind < 35)
        {
            if (victim.Engine is { } engine)
            {
                _trace?.WriteLine($"{_now} FAULT leave {victim.Member}");
                engine.Leave(_now, _outbox);
                Drain(victim);
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

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    _blocked[i, j] = side[i] != side[j];
                }
            }

            _trace?.WriteLine($"{_now} FAULT partition {string.Join("", side.Select(s => s ? 'A' : 'B'))}");
        }
        else if (kind < 65)
        {
            // One-way loss between a pair: A hears B, B does not hear A.
            int a = _random.Next(n), b = _random.Next(n);
            if (a != b)
            {
                _blocked[a, b] = true;
                _trace?.WriteLine($"{_now} FAULT one-way block {a + 1}->{b + 1}");
            }
        }
        else if (kind < 80)
        {
            Array.Clear(_blocked);
            _trace?.WriteLine($"{_now} FAULT heal");
        }
        else
        {
            _loss = _random.NextDouble() * _scenario.MaxLoss;
            _trace?.WriteLine($"{_now} FAULT loss {_loss:P1}");
        }
    }

    private void EndChaos()
    {
        _chaos = false;
        _loss = 0;
        Array.Clear(_blocked);
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

    private void CheckConvergence()
    {
        if (_convergedAt is not null)
        {
            return;
        }

        var up = _nodes.Where(n => n.Up).ToList();
        var first = up.Count > 0 ? up[0].Engine!.CurrentView : null;
        bool converged = first is not null && up.All(n =>
            n.Engine!.State == NodeState.Operational && n.Engine.CurrentView?.Id == first.Id) &&
            first.Members.SequenceEqual(up.Select(n => n.Member));
        if (!converged)
        {
            if (_now - _chaosEnd > _scenario.ConvergenceBound)
            {
                throw new SimulationFailureException(
                    $"no convergence within {_scenario.ConvergenceBound.TotalSeconds} s after faults stopped: {DescribeViews()}");
            }

            Schedule(TimeSpan.FromMilliseconds(50), new SimEvent(EventKind.CheckConvergence, 0, 0, null, 0));
            return;
        }

        _convergedAt = _now;
        _finalRound = true;
        _trace?.WriteLine($"{_now} CONVERGED on {first} after {(_now - _chaosEnd).TotalMilliseconds} ms");
    }

    /// <summary>After convergence and quiet: every message a node submitted in its current incarnation came back to it.</summary>
    private void CheckFinalDelivery()
    {
        foreach (var node in _nodes)
        {
            if (node.Up && node.OwnPending.Count > 0)
            {
                throw new SimulationFailureException(
                    $"{node.Member} still waits for {node.OwnPending.Count} of its messages 3 s after convergence " +
                    $"(first: {node.OwnPending.Min()}); " + string.Join(" | ", _nodes.Where(n => n.Up).Select(n => n.Engine!.DescribeState())));
            }
        }
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
