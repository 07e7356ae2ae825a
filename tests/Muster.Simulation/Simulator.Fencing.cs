using Muster.Core;
using Muster.Core.Random;
using Muster.Node.Fencing;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Simulation;

// Fencing in the simulation: every node runs the fencing service; the simulator is the shell that carries out
// RunFenceAgent, as a power switch: the target machine is crashed (whatever incarnation runs there) and comes back
// later as a new incarnation. Some agent runs fail instead, so retries and rotation are exercised. After every
// recovery-gate event it checks that the gate had the right to open.
public sealed partial class Simulator
{
    private readonly Dictionary<int, (SimNode Actor, MemberId ActorMember, RunFenceAgent Run)> _fenceRuns = [];
    // Per node: the highest incarnation a fence has killed, and when.
    private readonly Dictionary<NodeId, (ulong Incarnation, Instant At)> _fenceKills = [];
    private int _nextFenceRun;
    private DeterministicRandom _fenceRandom = null!;

    /// <summary>Fence agent runs carried out, and gates opened, in this run.</summary>
    internal (int Fences, int Gates) FencingCounts { get; private set; }

    private FencingOptions FencingOptions { get; set; } = null!;

    // A one-way block that never heals keeps one node out for good: the quorate side fences it each time it comes
    // back, as Pacemaker would (a fence loop), which that mode's "the views settle" check cannot allow.
    private bool FencingEnabled => _scenario.Mode != ScenarioMode.PersistentOneWay;

    private void ChooseFencingOptions()
    {
        _fenceRandom = new DeterministicRandom(_scenario.Seed ^ 0xFE4C_E0FF_FE4C_E0FFUL);
        var ids = _nodes.Select(n => n.Id).ToList();
        var delayMax = _fenceRandom.Next(2) == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_fenceRandom.Next(100, 2000));
        var device = new FenceDevice("power", "fence_sim", [], new Dictionary<NodeId, string>(), TimeSpan.FromSeconds(5), Retries: 1,
            DelayMax: delayMax);
        var backup = new FenceDevice("backup", "fence_sim", [], new Dictionary<NodeId, string>(), TimeSpan.FromSeconds(5));
        FencingOptions = new FencingOptions(
            new Dictionary<string, FenceDevice> { ["power"] = device, ["backup"] = backup },
            ids.ToDictionary(n => n, _ => (IReadOnlyList<FenceLevel>)[new FenceLevel(1, ["power"]), new FenceLevel(2, ["backup"])]),
            ids.ToDictionary(n => n, n => $"n{n.Value}"),
            RetryBase: TimeSpan.FromMilliseconds(200), RetryMax: TimeSpan.FromSeconds(2));
    }

    private void OnServiceEffect(SimNode node, ServiceEffect effect)
    {
        switch (effect)
        {
            case RunFenceAgent run:
                int id = _nextFenceRun++;
                _fenceRuns[id] = (node, node.Member, run);
                // The agent takes 20-200 ms (the service waited out the device's delay before asking).
                Schedule(TimeSpan.FromMilliseconds(_fenceRandom.Next(20, 200)), new SimEvent(EventKind.FenceAgent, Index(node), 0, null, id));
                _trace?.WriteLine($"{_now} {node.Member} runs {run.Device} {run.Action} on {run.Target}");
                break;
            case NodeRecoverable gate:
                CheckGate(node, gate);
                break;
        }
    }

    private void RunFenceAgent(int id)
    {
        if (!_fenceRuns.Remove(id, out var entry))
        {
            return;
        }

        var (actor, actorMember, run) = entry;
        // One run in six fails (the device is unreachable): the next device, level or attempt takes over.
        bool fails = _fenceRandom.Next(6) == 0;
        if (!fails)
        {
            var target = _nodes[(int)run.Target.Value - 1];
            ulong killed = target.Incarnation;
            if (target.Up)
            {
                Crash(target);
                Schedule(TimeSpan.FromMilliseconds(_fenceRandom.Next(300, 1500)), new SimEvent(EventKind.Restart, Index(target), 0, null, 0));
            }

            _fenceKills[run.Target] = (killed, _now);
            FencingCounts = (FencingCounts.Fences + 1, FencingCounts.Gates);
            _trace?.WriteLine($"{_now} FENCE {run.Target} incarnation {killed} powered off by {actorMember}");
        }

        // The actor hears back only if it is still the incarnation that asked (a crash loses the agent's child too).
        if (actor.Node is { } node && actor.Member == actorMember)
        {
            node.Input(ServiceId.Fencing, new FenceAgentCompleted(run.Operation, fails ? 1 : 0, false, fails ? "unreachable" : "ok", TimeSpan.FromMilliseconds(50)),
                actor.LocalTime(_now));
            AfterInput(actor);
        }
    }

    private bool FencingSettled(out string unsettled)
    {
        // Nothing pending, and every gate open: a failed node whose gate stays shut would hold up recovery forever.
        var pending = _nodes.Where(n => n.Node?.Services.Count > 2 && n.Node.Services[2] is FencingService f
            && (f.PendingFences.Count > 0 || f.AwaitingRecovery.Count > 0)).ToList();
        unsettled = pending.Count == 0 && _fenceRuns.Count == 0
            ? ""
            : $"fencing not settled: {_fenceRuns.Count} agent runs in flight, pending at "
                + string.Join(", ", pending.Select(n => $"{n.Member} [{string.Join(" ", ((FencingService)n.Node!.Services[2]).PendingFences.Select(p => $"{p.Node}#{p.Incarnation} by {p.Actor} after {p.Attempts}"))}"
                    + $" awaiting {string.Join(" ", ((FencingService)n.Node!.Services[2]).AwaitingRecovery.Select(a => $"{a.Node}#{a.Incarnation}"))}]"));
        if (unsettled.Length > 0 && Environment.GetEnvironmentVariable("MUSTER_SIM_FENCE_DEBUG") is not null)
        {
            foreach (var n in _nodes.Where(n => n.Node?.Services.Count > 2))
            {
                var f = (FencingService)n.Node!.Services[2];
                _trace?.WriteLine($"DEBUG {n.Member}: pending {f.PendingFences.Count}, awaiting {f.AwaitingRecovery.Count}, history {f.History.Count}: "
                    + string.Join("; ", f.History.TakeLast(6).Select(h => $"{h.Target}#{h.Incarnation} {h.Outcome} by {h.Actor}")));
            }
        }

        return unsettled.Length == 0;
    }

    /// <summary>
    /// The recovery gate opens only while the node's partition is quorate, and only for an incarnation a fence has
    /// killed (the simulator knows: it is the power switch). A crash that was not a fence does not count.
    /// </summary>
    private void CheckGate(SimNode node, NodeRecoverable gate)
    {
        FencingCounts = (FencingCounts.Fences, FencingCounts.Gates + 1);
        if (_skip.Contains("fencing"))
        {
            return;
        }

        if (QuorumOf(node) is not { Quorate: true } quorum)
        {
            throw new SimulationFailureException($"fencing: {node.Member} opened the recovery gate of {gate.Node} while not quorate");
        }

        if (!_fenceKills.TryGetValue(gate.Node, out var kill) || kill.Incarnation < gate.Incarnation)
        {
            throw new SimulationFailureException(
                $"fencing: {node.Member} opened the recovery gate of {gate.Node}#{gate.Incarnation} ({gate.How}) in {quorum.View}, "
                + $"but no fence killed that incarnation (last fence kill: {(_fenceKills.TryGetValue(gate.Node, out var k) ? $"#{k.Incarnation} at {k.At}" : "none")})");
        }
    }
}
