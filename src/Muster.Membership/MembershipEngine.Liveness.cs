using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Membership;

// Heartbeats, failure detection, and the decision of who coordinates which view.
public sealed partial class MembershipEngine
{
    private void SendHeartbeats(Instant now, Outbox outbox)
    {
        var heard = new List<NodeId>(_peers.Count);
        foreach (var peer in _peers.Values)
        {
            if (IsAlive(peer, now))
            {
                heard.Add(peer.Node);
            }
        }

        bool sequencer = IsSequencer;
        var hb = new Heartbeat(
            _view?.Id ?? ViewId.None,
            (byte)_state,
            sequencer ? _nextSequence : _delivered,
            sequencer ? _stable : 0,
            _maxViewSequence,
            [.. heard],
            _nodeListDigest);
        var w = Begin(PacketType.Heartbeat, hb.EncodedSize, out byte[] buffer);
        hb.Write(ref w);
        foreach (var node in _configured)
        {
            if (node != Self.Node)
            {
                Send(node, buffer, w.Position, outbox);
            }
        }

        if (_view is not null && !sequencer && _delivered > _lastAckSent)
        {
            _lastAckSent = _delivered;
        }
    }

    private bool OnHeartbeat(PeerState peer, ref WireReader reader, Instant now, Outbox outbox)
    {
        if (!Heartbeat.TryRead(ref reader, out var hb) || hb is null)
        {
            return false;
        }

        if (hb.View != peer.View || (NodeState)hb.State != peer.State)
        {
            peer.ViewReportedSince = now;
        }

        bool wasNew = peer.Heard.Length == 0 && hb.Heard.Length > 0;
        if (Array.IndexOf(hb.Heard, Self.Node) < 0)
        {
            peer.BothWaysSince = Instant.Never;
        }
        else if (peer.BothWaysSince == Instant.Never)
        {
            peer.BothWaysSince = now;
        }

        peer.LastHeartbeat = now;
        peer.View = hb.View;
        peer.State = (NodeState)hb.State;
        peer.Heard = hb.Heard;
        peer.MaxViewSequence = Math.Max(peer.MaxViewSequence, hb.MaxViewSequence);

        if (_view is not null && hb.View == _view.Id)
        {
            if (IsSequencer)
            {
                RecordAck(peer.Node, hb.Ack);
            }
            else if (peer.Node == _view.Sequencer)
            {
                // The sequencer's heartbeat carries its highest sequence: a lost tail shows up here.
                NoteHighest(hb.Ack, hb.Stable);
            }
        }

        NoteSyncProgress(peer, hb, now);
        if (_install is not null && hb.View == _install.Proposal)
        {
            _installPending.Remove(peer.Node);
        }

        if (wasNew)
        {
            Evaluate(now, outbox);
        }

        return true;
    }

    /// <summary>A peer failed or left: stop waiting for it in a running view change.</summary>
    private void OnPeerGone(NodeId node, Outbox outbox)
    {
        if (_attempt is not null && _attempt.Includes(node))
        {
            Emit(outbox, LogLevel.Info, $"view change {_attempt.Proposal}: node {node} is gone, proposing again without it");
            _attempt = null;
        }
    }

    /// <summary>
    /// Decides whether this node should start a view change: it coordinates when it is the lowest node among those it
    /// and they hear both ways, and the view it would form differs from the installed one.
    /// </summary>
    private void Evaluate(Instant now, Outbox outbox)
    {
        if (_state == NodeState.Left)
        {
            return;
        }

        if (_view is null && _promised.IsNone && now < _startedAt + _options.JoinTimeout)
        {
            // Give a running cluster the chance to invite us before we form a view of our own.
            return;
        }

        if (_attempt is not null)
        {
            return;
        }

        var candidates = Candidates(now);
        if (candidates[0] != Self.Node)
        {
            _evictedSince.Clear();
            return;
        }

        var desired = Clique(candidates, now);
        var evicted = EvictedMembers(desired, candidates);
        foreach (var m in _evictedSince.Keys.Where(m => !evicted.Contains(m)).ToList())
        {
            _evictedSince.Remove(m);
        }

        if (evicted.Count > 0)
        {
            // A member we hear both ways is left out only because another candidate does not hear it (or it does not
            // hear that one). During a partition or a heal the nodes' heard lists change at different moments, so
            // this is often transient: the other candidate is about to be detected as failed, or a newcomer's lists
            // are about to fill in. Keep such a member for a failure timeout before deciding it is unreachable.
            // The grace is per member: when the clique switches from leaving out one member to another (a flapping
            // peer's heard list is stale while it is silent and fresh again once it is heard), the new one has its
            // own failure timeout.
            var kept = new List<MemberId>();
            foreach (var m in evicted)
            {
                if (!_evictedSince.TryGetValue(m, out var since))
                {
                    _evictedSince[m] = since = now;
                }

                if (now - since < _options.FailureTimeout)
                {
                    kept.Add(m);
                }
            }

            if (kept.Count > 0)
            {
                desired = [.. desired.Concat(kept).Order()];
            }
        }

        desired = WithoutSplitViews(desired, now);
        if (_state == NodeState.Operational && _view is not null && SameMembers(desired, _view.Members) &&
            !MembersOutOfStep(now))
        {
            return;
        }

        if (_state == NodeState.Flushing && !_promised.IsNone && _promised.Coordinator != Self.Node &&
            BindingMayStillRun(now) && IsAliveNode(_promised.Coordinator, now) &&
            _promised.Coordinator < Self.Node)
        {
            // A lower coordinator is still running its view change; do not compete with it.
            return;
        }

        Emit(outbox, LogLevel.Debug, "candidates: " + string.Join(", ", candidates.Select(c => c == Self.Node ? $"{c} (us)" :
            $"{c} view {_peers[c].View} {_peers[c].State} hears [{string.Join(' ', _peers[c].Heard)}]")));
        StartAttempt(desired, now, outbox);
    }

    private readonly Dictionary<MemberId, Instant> _evictedSince = [];
    /// <summary>
    /// Leaves out the members of another view that the clique would take only in part while the rest of that view is
    /// alive to us. Right after a heal the heard lists fill in at different moments, and with a one-way link between
    /// two of that view's members and us the clique can never take it whole: taking part of it would make its other
    /// members see healthy peers leave, and those left behind would then refuse or ignore our next proposal again.
    /// The split happens only once the rest is gone (silent for a failure timeout).
    /// </summary>
    private MemberId[] WithoutSplitViews(MemberId[] desired, Instant now)
    {
        var result = desired;
        // Members of our own view are ours whatever their last heartbeat still says; only newcomers come as a group,
        // and members that have moved on to a newer view (they are judged like any other peer, see MovedOn).
        foreach (var group in desired.Where(m => m.Node != Self.Node &&
                         (_view?.Members.Contains(m) != true || MovedOn(_peers[m.Node], now)) &&
                         _peers[m.Node].View is { IsNone: false } v && v != _view?.Id)
                     .GroupBy(m => _peers[m.Node].View))
        {
            // Excluded members count too: they are alive, and taking the rest without them is the split to avoid.
            bool missing = _peers.Values.Any(p => p.View == group.Key && IsAlive(p, now) &&
                !Array.Exists(desired, d => d.Node == p.Node));

            // So does a node that we do not hear but every member of the group does: we cannot tell its view (we may
            // never have heard it, across a one-way link, or only before a cut longer than the failure timeout), and
            // if it is in theirs, taking them without it is that split. If it is gone, they stop hearing it within a
            // failure timeout, as we did.
            missing = missing || _peers.Values.Any(p => !IsAlive(p, now) && !Array.Exists(desired, d => d.Node == p.Node) &&
                group.All(m => _peers[m.Node].Hears(p.Node)));

            // And so does a live node that reports another view of the same coordinator while it or the group is
            // flushing: that coordinator's members are between two of its views, and our copies of their heartbeats
            // fill in at different moments, so the group we see is only part of its next view (with 32 nodes and a
            // one-way link, two coordinators each took the half of the other's view whose heartbeats had arrived, every
            // time the other re-formed: seed 200001). Not when neither is flushing: then the group was left behind by
            // the coordinator's newer view, and it is ours to take.
            bool flushing = group.Any(m => _peers[m.Node].State == NodeState.Flushing);
            missing = missing || _peers.Values.Any(p => IsAlive(p, now) && p.View is { IsNone: false } other &&
                other != group.Key && other.Coordinator == group.Key.Coordinator &&
                (flushing || p.State == NodeState.Flushing) && !Array.Exists(desired, d => d.Node == p.Node));
            if (missing)
            {
                result = [.. result.Where(m => !group.Contains(m))];
            }
        }

        return result;
    }

    private bool IsAliveNode(NodeId node, Instant now) =>
        node == Self.Node || (_peers.TryGetValue(node, out var p) && IsAlive(p, now));

    /// <summary>True when we hear the node and its last heartbeat says it hears us: connected both ways.</summary>
    private bool ConnectedBothWays(NodeId node, Instant now) =>
        node == Self.Node || (_peers.TryGetValue(node, out var p) && IsAlive(p, now) && p.Hears(Self.Node));

    /// <summary>Members of our view that are candidates (connected both ways with us) but not in the clique.</summary>
    private List<MemberId> EvictedMembers(MemberId[] desired, List<NodeId> candidates)
    {
        var evicted = new List<MemberId>();
        if (_view is null || _state != NodeState.Operational)
        {
            return evicted;
        }

        foreach (var m in _view.Members)
        {
            if (m.Node != Self.Node && candidates.Contains(m.Node) && !Array.Exists(desired, d => d == m) &&
                _peers[m.Node].Incarnation == m.Incarnation)
            {
                evicted.Add(m);
            }
        }

        return evicted;
    }

    /// <summary>This node plus the live nodes that hear it, lowest first; nodes bound to a lower coordinator excluded.</summary>
    private List<NodeId> Candidates(Instant now)
    {
        var result = new List<NodeId> { Self.Node };
        foreach (var peer in _peers.Values)
        {
            if (!(IsAlive(peer, now) || SilenceIsOurs(peer, now)) || !HearsUs(peer, now) || now < peer.ExcludedUntil)
            {
                continue;
            }

            if (RestartedMember(peer))
            {
                // The view still holds its old incarnation: that one must be seen to leave first.
                continue;
            }

            var coordinator = peer.View.Coordinator;
            bool inOurView = _view is not null && _view.TryGetMember(peer.Node, out var ours) && ours.Incarnation == peer.Incarnation &&
                !MovedOn(peer, now);
            if (!inOurView && peer.View != _view?.Id && coordinator.IsValid && coordinator != Self.Node && coordinator != peer.Node &&
                peer.Hears(coordinator) && !ConnectedBothWays(coordinator, now) && peer.State == NodeState.Operational)
            {
                // It is in another view, run by a live node that we are not connected to both ways: it belongs there.
                // (Hearing that node one way is not enough: we could never be in one view with it, and taking its
                // members from it would make them flap between the two views for ever.) A member of our own view is
                // ours, even while its last heartbeat still names its old view or a dead coordinator.
                continue;
            }

            if (!inOurView && LeavesUsOut(peer, now))
            {
                continue;
            }

            result.Add(peer.Node);
        }

        result.Sort();
        return result;
    }

    /// <summary>
    /// True when the peer's last heartbeat says it hears us, or when that heartbeat is older than the view we just
    /// installed together: a member whose heartbeat still names an older view sent it before it installed ours, and
    /// its heard list may predate the heal that the view came from (its coordinator took it only because the two of
    /// us heard each other). Until its first heartbeat in our view, for at most a failure timeout, it counts as
    /// hearing us; otherwise the first node to evaluate after a merge took the stale list at its word and evicted a
    /// peer it had just merged with as unreachable (seeds 102035, 102246).
    /// </summary>
    private bool HearsUs(PeerState peer, Instant now) =>
        peer.Hears(Self.Node) ||
        (_view is not null && peer.View < _view.Id && now - _viewInstalledAt < _options.FailureTimeout &&
         _view.TryGetMember(peer.Node, out var member) && member.Incarnation == peer.Incarnation) ||
        JustBack(peer, now);

    /// <summary>
    /// True when a member of our view fell silent as we were cut off from everyone (we heard no one for two heartbeats
    /// or more), we have heard the others again within the last failure timeout but not yet it, and every other member
    /// of our view that we have heard since then still lists it as heard: the silence is ours, not its. Without this, a
    /// coordinator coming back from a cut left out as failed a member it had not heard again yet, although that member
    /// was connected to every other member all along (seeds 104022, 109393, 103397).
    /// A member that crashed drops out of the others' heard lists within a failure timeout, as out of ours.
    /// </summary>
    private bool SilenceIsOurs(PeerState peer, Instant now)
    {
        if (_view is null || !_view.TryGetMember(peer.Node, out var member) || member.Incarnation != peer.Incarnation ||
            peer.LeftIncarnation == peer.Incarnation || now - _receiveGapEnd >= _options.FailureTimeout ||
            peer.LastHeard < _receiveGapStart - _options.HeartbeatInterval * 2 || peer.LastHeard >= _receiveGapEnd)
        {
            return false;
        }

        bool vouched = false;
        foreach (var m in _view.Members)
        {
            if (m.Node == Self.Node || m.Node == peer.Node || !_peers.TryGetValue(m.Node, out var other) ||
                other.LastHeartbeat < _receiveGapEnd || !IsAlive(other, now))
            {
                continue;
            }

            if (!other.Hears(peer.Node))
            {
                return false;
            }

            vouched = true;
        }

        return vouched;
    }

    /// <summary>
    /// True when a member of our view has just come back to us, within two heartbeats of our hearing it again after a
    /// silence of a failure timeout (a heal): its heard list was written before our heartbeats reached it, so it does
    /// not list us yet. Taking that list at its word left it out of the next proposal as unreachable although it was
    /// connected to every other member all along (seed 117892: the coordinator had been cut off from it, and its
    /// retry came 50 ms after the heal). Across a one-way link this costs one proposal that times out waiting for it.
    /// </summary>
    private bool JustBack(PeerState peer, Instant now) =>
        _view is not null && peer.CutFor >= _options.FailureTimeout && now - peer.HeardAgainAt < _options.HeartbeatInterval * 2 &&
        _view.TryGetMember(peer.Node, out var member) && member.Incarnation == peer.Incarnation;

    /// <summary>
    /// True when the peer is in a view run by a coordinator that has heard us both ways for longer than it takes to
    /// merge us (a failure timeout and the view-change bound) and still runs that view without us: it will not take
    /// us (its clique cannot, for example across a one-way link between one of its members and us). Waiting for it
    /// would leave us joining for ever, so it does not count as a candidate and we form a view without it.
    /// </summary>
    private bool LeavesUsOut(PeerState peer, Instant now)
    {
        // Only a lower coordinator is the one that would take us; a higher one is for us to take.
        var coordinator = peer.View.Coordinator;
        if (peer.View.IsNone || coordinator >= Self.Node || peer.State != NodeState.Operational || peer.View == _view?.Id ||
            !_peers.TryGetValue(coordinator, out var c) || c.View != peer.View || c.State != NodeState.Operational ||
            !ConnectedBothWays(coordinator, now) || c.BothWaysSince == Instant.Never)
        {
            return false;
        }

        if (_promised.Coordinator == coordinator && now - _promisedAt <= _options.FailureTimeout + ViewChangeBound)
        {
            // We promised a proposal of its within that time: it is trying to take us (its view changes may be slow,
            // for example across a delayed link), so it does not leave us out.
            return false;
        }

        var since = c.BothWaysSince > c.ViewReportedSince ? c.BothWaysSince : c.ViewReportedSince;
        return now - since > _options.FailureTimeout + ViewChangeBound;
    }

    /// <summary>
    /// True when a member of our view has been operational in a newer view for longer than a view change takes: it
    /// has left ours (we missed that view change, or were left out of it), so it is judged like any other peer.
    /// </summary>
    private bool MovedOn(PeerState peer, Instant now) =>
        _view is not null && !peer.View.IsNone && peer.View > _view.Id && peer.State == NodeState.Operational &&
        now - peer.ViewReportedSince > _options.FailureTimeout + ViewChangeBound;

    private bool RestartedMember(PeerState peer) =>
        _view is not null && _view.TryGetMember(peer.Node, out var member) && member.Incarnation != peer.Incarnation;

    /// <summary>
    /// Greedy clique: a node joins when it and every node already chosen hear each other, in the order of
    /// <see cref="Rank"/>, then node order: a newcomer, or a member coming back from a cut, whose heard list has not
    /// yet filled in must never push out a member that is still connected (the heal churn the test bed found).
    /// </summary>
    private MemberId[] Clique(List<NodeId> candidates, Instant now)
    {
        var chosen = new List<NodeId> { Self.Node };
        // Within a rank, a node heard within the last two heartbeats comes before one silent for longer: the heard
        // list of a silent node is stale (it may be cut off right now), so it must not push out one we hear steadily.
        var ordered = candidates.Where(c => c != Self.Node).OrderBy(Rank)
            .ThenBy(c => now - _peers[c].LastHeard > _options.HeartbeatInterval * 2 ? 1 : 0).ThenBy(c => c);
        foreach (var candidate in ordered)
        {
            var p = _peers[candidate];
            bool ok = true;
            foreach (var q in chosen)
            {
                if (q == Self.Node)
                {
                    continue;
                }

                var qp = _peers[q];
                if (!p.Hears(q) || !qp.Hears(p.Node))
                {
                    ok = false;
                    break;
                }
            }

            if (ok)
            {
                chosen.Add(p.Node);
            }
        }

        return [.. chosen.Select(n => n == Self.Node ? Self : new MemberId(n, _peers[n].Incarnation)).Order()];
    }

    /// <summary>
    /// Clique order: members of our view that still report it, then members that have moved on to a view of their
    /// own (they left us, for example on the other side of a cut), then newcomers.
    /// </summary>
    private int Rank(NodeId node)
    {
        var p = _peers[node];
        if (_view is null || !_view.TryGetMember(node, out var m) || m.Incarnation != p.Incarnation)
        {
            return 2;
        }

        return p.View == _view.Id ? 0 : 1;
    }

    private static bool SameMembers(MemberId[] desired, IReadOnlyList<MemberId> members)
    {
        if (desired.Length != members.Count)
        {
            return false;
        }

        for (int i = 0; i < desired.Length; i++)
        {
            if (desired[i] != members[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when a member has reported another view or state than ours for longer than a view change takes.</summary>
    private bool MembersOutOfStep(Instant now)
    {
        if (_view is null)
        {
            return false;
        }

        foreach (var m in _view.Members)
        {
            if (m.Node == Self.Node)
            {
                continue;
            }

            var p = _peers[m.Node];
            if ((p.View != _view.Id || p.State != NodeState.Operational) &&
                now - p.ViewReportedSince > ViewChangeBound &&
                now - _viewInstalledAt > ViewChangeBound)
            {
                return true;
            }
        }

        return false;
    }
}
