using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;

namespace Muster.Simulation;

// The checks that need the simulator's knowledge of the truth: who is really connected to whom (stability), which
// processes really joined (the group oracle), and who should be up (convergence).
public sealed partial class Simulator
{
    private const string Group = "g";

    /// <summary>
    /// Stability: while no one-way block, stall, delay near the failure timeout or heavy loss touches any member of
    /// its views, a node connected both ways to a peer for longer than the failure timeout (when the view change
    /// starts) never reports that peer failed or unreachable.
    /// </summary>
    private void CheckStability(SimNode node, ViewChange change)
    {
        // The decision to leave a peer out is taken when the attempt starts, and the view is installed at most the
        // prepare phase (a consensus timeout) and the sync phase (up to two, while members catching up report
        // progress) later.
        var timeout = _options.FailureTimeout;
        var since = _now - timeout - _options.ConsensusTimeout * 3;
        foreach (var left in change.Left)
        {
            if (left.Reason is not (MemberChangeReason.Failed or MemberChangeReason.Unreachable))
            {
                continue;
            }

            var peer = _nodes[(int)left.Member.Node.Value - 1];
            if (!peer.Up || peer.Member != left.Member || peer.UpSince > since || node.UpSince > since)
            {
                continue;
            }

            int a = Index(node), b = Index(peer);
            if (_net.LastBad(a, b) > since || _net.LossySince(since, _loss) || node.StalledUntil > since || peer.StalledUntil > since)
            {
                continue;
            }

            if (_net.Bridged(a, b, i => _nodes[i].Up) || _net.LastBridged(a, b) > since)
            {
                // Connectivity that is not transitive (the peer is connected to a node that we are not, or the other
                // way round) cannot be kept stable by any view: views are disjoint cliques, so the middle node is
                // taken from one side or the other.
                continue;
            }

            var involved = change.View.Members.Concat(change.PreviousView?.Members ?? []).Select(m => (int)m.Node.Value - 1)
                .Append(b).Distinct();
            if (involved.Any(i => _net.ExemptUntil(i) > since))
            {
                continue;
            }

            throw new SimulationFailureException(
                $"stability violated: {node.Member} reported {left.Member} {left.Reason.ToString().ToLowerInvariant()} in " +
                $"{change.View} although the two had been connected both ways for " +
                $"{(_now - Max(_net.LastBad(a, b), Max(peer.UpSince, node.UpSince))).TotalMilliseconds:F0} ms " +
                $"(failure timeout {timeout.TotalMilliseconds} ms) and no exempt fault touched the views");
        }
    }

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    /// <summary>Group oracle: a leave or death of one of its processes came back to the node in the order.</summary>
    private static void NoteOwnGroupOp(SimNode node, byte[] payload)
    {
        // Layout of a group operation: op u8, name length u16, name, pid u32 (little-endian).
        if (payload.Length < 3 || payload[0] is not (2 or 5))
        {
            return;
        }

        int nameLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(1));
        if (payload.Length < 3 + nameLength + 4)
        {
            return;
        }

        uint pid = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(3 + nameLength));
        if (node.PendingRemoval.TryGetValue(pid, out int count))
        {
            if (count <= 1)
            {
                node.PendingRemoval.Remove(pid);
            }
            else
            {
                node.PendingRemoval[pid] = count - 1;
            }
        }
    }

    /// <summary>
    /// Group tables are right, not only agreed: outside a sync, a node's table lists every process of its own whose
    /// join was confirmed and that has not left or died, lists no process of its own that left or died once that has
    /// been delivered, and lists no process of a node outside its view.
    /// </summary>
    private static void CheckGroupOracle(SimNode node)
    {
        if (node.Groups is not { Syncing: false } groups || node.Engine?.CurrentView is not { } view)
        {
            return;
        }

        var table = groups.MembersOf(Group);

        // Outside a sync every delivered operation has been applied. With no leave or death of a process on its way,
        // a listing of it comes from its latest join: from then on that join is confirmed.
        foreach (uint pid in node.Joined)
        {
            if (!node.PendingRemoval.ContainsKey(pid) && table.Contains(new GroupMember(node.Id, pid)))
            {
                node.Confirmed.Add(pid);
            }
        }

        foreach (uint pid in node.Confirmed)
        {
            if (!table.Contains(new GroupMember(node.Id, pid)))
            {
                throw new SimulationFailureException(
                    $"group table wrong at {node.Member} in view {view.Id}: its live process {pid}, confirmed in group " +
                    $"'{Group}', is missing (table: [{string.Join(' ', table)}])");
            }
        }

        foreach (var m in table)
        {
            if (m.Node == node.Id && !node.Joined.Contains(m.ProcessId) && !node.PendingRemoval.ContainsKey(m.ProcessId))
            {
                throw new SimulationFailureException(
                    $"group table wrong at {node.Member} in view {view.Id}: it lists its own process {m.ProcessId}, which " +
                    "never joined or has left");
            }

            if (!view.Contains(m.Node))
            {
                throw new SimulationFailureException(
                    $"group table wrong at {node.Member} in view {view.Id}: it lists process {m}, whose node is not in the view");
            }
        }
    }

    /// <summary>Once all is quiet, every node's table is exactly the live processes of the nodes of its view.</summary>
    private void CheckFinalGroups()
    {
        foreach (var node in _nodes)
        {
            if (node.Engine?.CurrentView is not { } view || node.Groups is not { } groups)
            {
                continue;
            }

            var expected = _nodes.Where(x => x.Up && view.Members.Contains(x.Member))
                .SelectMany(x => x.Joined.Select(pid => new GroupMember(x.Id, pid))).Order().ToList();
            var actual = groups.MembersOf(Group).Order().ToList();
            if (!expected.SequenceEqual(actual))
            {
                throw new SimulationFailureException(
                    $"group table wrong at {node.Member} after the run: [{string.Join(' ', actual)}], but the live " +
                    $"processes of its view {view.Id} are [{string.Join(' ', expected)}]");
            }

            var unconfirmed = node.Joined.Where(pid => !node.Confirmed.Contains(pid)).ToList();
            if (unconfirmed.Count > 0)
            {
                throw new SimulationFailureException(
                    $"{node.Member}: the joins of processes {string.Join(", ", unconfirmed)} were never confirmed");
            }
        }
    }

    /// <summary>
    /// Convergence counts every node (all are restarted when the faults stop). With a one-way block that never heals,
    /// it means: every node operational in a view whose members hear each other both ways, and no install for a while.
    /// </summary>
    private void CheckConvergence()
    {
        if (_convergedAt is not null)
        {
            return;
        }

        bool converged;
        string what;
        if (_scenario.Mode == ScenarioMode.PersistentOneWay)
        {
            converged = _nodes.All(n => n.Up && n.Engine!.State == NodeState.Operational && n.Engine.CurrentView is { } v &&
                    v.Members.All(a => v.Members.All(b => a == b || _net.BothWays((int)a.Node.Value - 1, (int)b.Node.Value - 1)))) &&
                _now - _lastInstall >= SettleQuiet;
            what = "settled views";
        }
        else
        {
            var first = _nodes[0].Engine?.CurrentView;
            converged = first is not null && _nodes.All(n =>
                    n.Up && n.Engine!.State == NodeState.Operational && n.Engine.CurrentView?.Id == first.Id) &&
                first.Members.SequenceEqual(_nodes.Select(n => n.Member));
            what = $"{first}";
        }

        // Fencing settles too: a fence still to come would crash a node after the views converged.
        if (converged && !FencingSettled(out string unsettled))
        {
            converged = false;
            what = unsettled;
        }

        if (!converged)
        {
            var bound = _scenario.ConvergenceBound + (_scenario.Mode == ScenarioMode.PersistentOneWay ? SettleQuiet : TimeSpan.Zero);
            if (_now - _chaosEnd > bound)
            {
                throw new SimulationFailureException(
                    $"no convergence within {bound.TotalSeconds} s after faults stopped: {(what.StartsWith("fencing", StringComparison.Ordinal) ? what + "; " : "")}{DescribeViews()}");
            }

            Schedule(TimeSpan.FromMilliseconds(50), new SimEvent(EventKind.CheckConvergence, 0, 0, null, 0));
            return;
        }

        _convergedAt = _now;
        _finalRound = true;
        _trace?.WriteLine($"{_now} CONVERGED on {what} after {(_now - _chaosEnd).TotalMilliseconds} ms");
    }

    /// <summary>After convergence and quiet: every message a node submitted in its current incarnation came back to it.</summary>
    private void CheckFinalDelivery()
    {
        foreach (var node in _nodes)
        {
            if (node.Up && node.OwnPending.Count > 0)
            {
                throw new SimulationFailureException(
                    $"{node.Member} still waits for {node.OwnPending.Count} of its messages {SettleObservation.TotalSeconds} s after convergence " +
                    $"(first: {node.OwnPending.Min()}); " + string.Join(" | ", _nodes.Where(n => n.Up).Select(n => n.Engine!.DescribeState())));
            }
        }
    }
}
