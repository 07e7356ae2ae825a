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
            return;
        }

        var desired = Clique(candidates);
        if (_state == NodeState.Operational && _view is not null && SameMembers(desired, _view.Members) &&
            !MembersOutOfStep(now))
        {
            return;
        }

        if (_state == NodeState.Flushing && !_promised.IsNone && _promised.Coordinator != Self.Node &&
            now - _promisedAt < _options.ConsensusTimeout * 2 && IsAliveNode(_promised.Coordinator, now) &&
            _promised.Coordinator < Self.Node)
        {
            // A lower coordinator is still running its view change; do not compete with it.
            return;
        }

        StartAttempt(desired, now, outbox);
    }

    private bool IsAliveNode(NodeId node, Instant now) =>
        node == Self.Node || (_peers.TryGetValue(node, out var p) && IsAlive(p, now));

    /// <summary>This node plus the live nodes that hear it, lowest first; nodes bound to a lower coordinator excluded.</summary>
    private List<NodeId> Candidates(Instant now)
    {
        var result = new List<NodeId> { Self.Node };
        foreach (var peer in _peers.Values)
        {
            if (!IsAlive(peer, now) || !peer.Hears(Self.Node) || now < peer.ExcludedUntil)
            {
                continue;
            }

            if (RestartedMember(peer))
            {
                // The view still holds its old incarnation: that one must be seen to leave first.
                continue;
            }

            var coordinator = peer.View.Coordinator;
            bool inOurView = _view is not null && _view.TryGetMember(peer.Node, out var ours) && ours.Incarnation == peer.Incarnation;
            if (!inOurView && peer.View != _view?.Id && coordinator.IsValid && coordinator < Self.Node && coordinator != peer.Node &&
                peer.Hears(coordinator) && !IsAliveNode(coordinator, now) && peer.State == NodeState.Operational)
            {
                // It is in another view, run by a lower node that we cannot reach: it belongs there. A member of our
                // own view is ours, even while its last heartbeat still names its old view or a dead coordinator.
                continue;
            }

            result.Add(peer.Node);
        }

        result.Sort();
        return result;
    }

    private bool RestartedMember(PeerState peer) =>
        _view is not null && _view.TryGetMember(peer.Node, out var member) && member.Incarnation != peer.Incarnation;

    /// <summary>Greedy clique in node order: a node joins when it and every node already chosen hear each other.</summary>
    private MemberId[] Clique(List<NodeId> candidates)
    {
        var chosen = new List<NodeId> { Self.Node };
        for (int i = 1; i < candidates.Count; i++)
        {
            var p = _peers[candidates[i]];
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
                now - p.ViewReportedSince > _options.ConsensusTimeout * 2 &&
                now - _viewInstalledAt > _options.ConsensusTimeout * 2)
            {
                return true;
            }
        }

        return false;
    }
}
