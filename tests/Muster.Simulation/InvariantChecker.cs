using Muster.Core;
using Muster.Membership;

namespace Muster.Simulation;

/// <summary>
/// Checks the guarantees of the membership engine as invariants, incrementally, after every step. The wording
/// matches the invariants listed at the top of MembershipEngine.cs.
/// </summary>
public sealed class InvariantChecker
{
    private readonly Dictionary<ViewId, MemberId[]> _viewMembers = [];
    private readonly Dictionary<ViewId, List<(MemberId Sender, ulong MessageNo)>> _viewSequences = [];
    private readonly Dictionary<(ViewId From, ViewId To), int> _transitions = [];
    private readonly Dictionary<MemberId, NodeTrack> _nodes = [];
    private readonly GlobalOrder<(MemberId Sender, ulong MessageNo)> _globalOrder = new();
    private readonly Dictionary<(MemberId Sender, ulong MessageNo), ViewId> _deliveredIn = [];

    private readonly IReadOnlySet<string> _skip;

    /// <summary>Creates a checker; <paramref name="skip"/> names checks to switch off (see <see cref="Simulator.CheckNames"/>).</summary>
    public InvariantChecker(IReadOnlySet<string>? skip = null) => _skip = skip ?? new HashSet<string>();

    public long Deliveries { get; private set; }
    public long ViewInstalls { get; private set; }

    private sealed class NodeTrack
    {
        public required int Index;
        public View? View;
        public int DeliveredInView;
        public readonly Dictionary<MemberId, ulong> LastFrom = [];
        public readonly Dictionary<NodeId, ulong> NewestIncarnationInView = [];
    }

    private NodeTrack Track(MemberId node)
    {
        if (!_nodes.TryGetValue(node, out var t))
        {
            t = new NodeTrack { Index = _nodes.Count };
            _nodes[node] = t;
        }

        return t;
    }

    /// <summary>Checks one delivery at <paramref name="node"/>.</summary>
    public void OnDelivered(MemberId node, MemberId sender, ulong messageNo, ReadOnlySpan<byte> payload)
    {
        Deliveries++;
        var t = Track(node);

        if (t.View is null)
        {
            Fail($"{node} delivered message {sender}/{messageNo} outside any view");
        }

        bool raw = payload.Length > 0 && payload[0] == Workload.Marker;
        if (raw && (!Workload.TryParse(payload, out var origin, out _) || origin != sender))
        {
            Fail($"{node} delivered message {messageNo} attributed to {sender} but its payload is corrupt or says {origin}");
        }

        if (!t.View!.Members.Contains(sender))
        {
            Fail($"{node} delivered a message from {sender}, not a member of its view {t.View}");
        }

        CheckViewSequence(node, t, sender, messageNo);
        if (messageNo != 0 && _unknown.Contains((sender, messageNo)) && sender == node)
        {
            Fail($"{node} delivered its own message {messageNo} after giving it up with outcome unknown");
        }

        // 5. Each sender's messages are delivered in the order sent, at most once per node.
        if (messageNo != 0 && t.LastFrom.TryGetValue(sender, out ulong last) && messageNo <= last)
        {
            Fail($"sender order violated at {node}: {sender}/{messageNo} delivered after {sender}/{last}");
        }

        if (messageNo != 0)
        {
            t.LastFrom[sender] = messageNo;

            // 8. Each message is delivered in the same regular view everywhere, or in the transitional configuration
            //    derived from it (delivered while leaving that view).
            var id = (sender, messageNo);
            if (_skip.Contains("same-view"))
            {
            }
            else if (_deliveredIn.TryGetValue(id, out var firstView))
            {
                if (firstView != t.View!.Id)
                {
                    Fail($"{sender}/{messageNo} was delivered in view {firstView} elsewhere but in view {t.View.Id} at {node}");
                }
            }
            else
            {
                _deliveredIn[id] = t.View!.Id;
            }

            // 9. One total order covers every delivered message on every node, across views.
            if (!_skip.Contains("global-order") && _globalOrder.Deliver(t.Index, id) is string cycle)
            {
                Fail($"no single total order at {node}: {cycle}");
            }
        }

        // 6. Nothing an old incarnation sent is delivered once a newer one has been in a view.
        if (t.NewestIncarnationInView.TryGetValue(sender.Node, out ulong newest) && newest > sender.Incarnation)
        {
            Fail($"{node} delivered a message from old incarnation {sender} after incarnation {newest} was in its view");
        }
    }

    private void CheckViewSequence(MemberId node, NodeTrack t, MemberId sender, ulong messageNo)
    {
        // 3. In one view, every node delivers a prefix of the same sequence of messages.
        var seq = _viewSequences[t.View!.Id];
        int k = t.DeliveredInView;
        if (k < seq.Count)
        {
            if (seq[k] != (sender, messageNo))
            {
                Fail($"total order violated in view {t.View.Id}: {node} delivered {sender}/{messageNo} at position {k + 1}, " +
                     $"another node delivered {seq[k].Sender}/{seq[k].MessageNo} there");
            }
        }
        else
        {
            seq.Add((sender, messageNo));
        }

        t.DeliveredInView++;
    }

    private readonly HashSet<(MemberId Sender, ulong MessageNo)> _unknown = [];

    /// <summary>A sender gave up one of its messages with "outcome unknown": it must never deliver it itself.</summary>
    public void OnOutcomeUnknown(MemberId node, ulong messageNo)
    {
        if (messageNo == 0 || !_unknown.Add((node, messageNo)) || Track(node).LastFrom.GetValueOrDefault(node) >= messageNo)
        {
            Fail($"{node} gave up message {messageNo} with outcome unknown, but it is unnumbered, given up twice or already delivered");
        }
    }

    private readonly Dictionary<(ViewId View, int Position), ulong> _groupStates = [];

    /// <summary>
    /// 7. Process groups are replicated state: nodes that delivered the same prefix of a view hold the same group
    ///    table (and the same pending sync).
    /// </summary>
    public void OnGroupState(MemberId node, ulong fingerprint)
    {
        var t = Track(node);
        if (t.View is null)
        {
            return;
        }

        var key = (t.View.Id, t.DeliveredInView);
        if (_groupStates.TryGetValue(key, out ulong known))
        {
            if (known != fingerprint)
            {
                Fail($"group tables diverged: {node} after {t.DeliveredInView} deliveries in view {t.View.Id} holds another group state");
            }
        }
        else
        {
            _groupStates[key] = fingerprint;
        }
    }

    /// <summary>Checks one view installation at <paramref name="node"/>.</summary>
    public void OnViewChanged(MemberId node, ViewChange change)
    {
        ViewInstalls++;
        var t = Track(node);
        var view = change.View;
        var members = view.Members.ToArray();
        if (!members.Contains(node))
        {
            Fail($"{node} installed view {view} without itself");
        }

        if (!members.SequenceEqual(members.Order()) || members.Select(m => m.Node).Distinct().Count() != members.Length)
        {
            Fail($"{node} installed view {view} whose member list is unsorted or lists a node twice");
        }

        // 1. A view id names one member list, everywhere.
        if (_viewMembers.TryGetValue(view.Id, out var known))
        {
            if (!known.SequenceEqual(members))
            {
                Fail($"view id {view.Id} names two member lists: [{string.Join(' ', known)}] and [{string.Join(' ', members)}]");
            }
        }
        else
        {
            _viewMembers[view.Id] = members;
            _viewSequences[view.Id] = [];
        }

        if (members[0].Node != view.Id.Coordinator)
        {
            Fail($"view {view} is coordinated by {view.Id.Coordinator}, not its lowest member");
        }

        if (!ReferenceEquals(change.PreviousView, t.View) && change.PreviousView?.Id != t.View?.Id)
        {
            Fail($"{node} reported a change from {change.PreviousView?.Id} but was in {t.View?.Id}");
        }

        if (t.View is not null)
        {
            // 2. On each node, installed view ids strictly increase.
            if (view.Id <= t.View.Id)
            {
                Fail($"{node} installed view {view.Id} after {t.View.Id}: view ids must increase");
            }

            // 4. Nodes that install the same next view after the same view delivered the same messages in it.
            var key = (t.View.Id, view.Id);
            if (_transitions.TryGetValue(key, out int count))
            {
                if (count != t.DeliveredInView)
                {
                    Fail($"virtual synchrony violated: nodes moving from {t.View.Id} to {view.Id} delivered " +
                         $"{count} and {t.DeliveredInView} messages in {t.View.Id} ({node})");
                }
            }
            else
            {
                _transitions[key] = t.DeliveredInView;
            }

            // 6. When a node's incarnation changes between two views, the change reports the old one as left
            //    (restarted or failed) and the new one as joined.
            foreach (var m in members)
            {
                if (t.View.TryGetMember(m.Node, out var old) && old.Incarnation != m.Incarnation &&
                    (!change.Left.Any(l => l.Member == old) || !change.Joined.Any(j => j.Member == m)))
                {
                    Fail($"{node} moved from {t.View.Id} holding {old} to {view.Id} holding {m} without reporting " +
                         "the old incarnation as left and the new one as joined");
                }
            }
        }

        foreach (var m in members)
        {
            if (!t.NewestIncarnationInView.TryGetValue(m.Node, out ulong inc) || inc < m.Incarnation)
            {
                t.NewestIncarnationInView[m.Node] = m.Incarnation;
            }
        }

        t.View = view;
        t.DeliveredInView = 0;
    }

    private static void Fail(string message) => throw new SimulationFailureException(message);
}
