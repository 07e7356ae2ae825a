using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Membership;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Node.Quorum;

/// <summary>
/// The quorum service of the composed node: votequorum's behaviour on the service contract. At every view it
/// recounts at once with what it knows (so a partition that lost its majority stops being quorate the moment its
/// view shrinks), then exchanges nodeinfo (votes, expected votes, state) with every member in the total order and
/// applies them together when the last one is in: a node that joins adopts the expected votes of the quorate members,
/// and wait_for_all is lifted by a member that has it lifted. Operators' changes (expected votes, a node's votes,
/// unblocking wait_for_all) are checked here and applied by every member in the total order.
/// </summary>
/// <remarks>
/// Pure, like every service: views, ordered messages, requests and the time come in; <see cref="QuorumChanged"/>
/// effects and log lines go out. The node hands each effect to the shell after the membership event that caused it.
/// </remarks>
public sealed class QuorumService : INodeService
{
    private readonly IServiceHost _host;
    private readonly QuorumTracker _tracker;
    private readonly Dictionary<NodeId, NodeInfo> _infos = [];
    private HashSet<NodeId>? _pending;
    private ViewId _view = ViewId.None;
    // Quorate in the view before this one: then this node holds the cluster's figures, and its nodeinfo says so.
    private bool _quorateBefore;
    private QuorumState? _published;

    /// <param name="host">The node's host for this service.</param>
    /// <param name="options">The checked options (<see cref="QuorumOptionsCheck.Check"/>).</param>
    public QuorumService(IServiceHost host, EffectiveQuorumOptions options)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _tracker = new QuorumTracker(options);
        State = Build();
    }

    /// <inheritdoc/>
    public ServiceId Id => ServiceId.Quorum;

    /// <inheritdoc/>
    public string Name => "quorum";

    /// <inheritdoc/>
    public Instant NextDeadline => _tracker.LastManStandingDeadline;

    /// <summary>The current state (what <see cref="QuorumQuery"/> answers).</summary>
    public QuorumState State { get; private set; }

    /// <summary>Quorum messages from other members that were malformed or out of range (counted, logged, ignored).</summary>
    public long RejectedMessages { get; private set; }

    /// <inheritdoc/>
    public void OnViewChanged(ViewChange change)
    {
        _view = change.View.Id;
        _infos.Clear();
        int cleanlyDeparted = 0;
        foreach (var left in change.Left)
        {
            if (left.Reason == MemberChangeReason.Left)
            {
                cleanlyDeparted += VotesOf(left.Member.Node);
            }
        }

        bool wasQuorate = _tracker.Status.Quorate;
        _quorateBefore = wasQuorate;
        var members = change.View.Members.Select(m => m.Node).ToList();
        _tracker.OnView(members, _host.Now, cleanlyDeparted);
        if (wasQuorate != _tracker.Status.Quorate)
        {
            _host.Log(_tracker.Status.Quorate ? LogLevel.Info : LogLevel.Warning,
                $"{(_tracker.Status.Quorate ? "quorum gained" : "quorum lost")} in view {change.View.Id}: {Describe(_tracker.Status)}");
        }

        Publish();
    }

    /// <inheritdoc/>
    public void SyncInit(SyncBarrier barrier)
    {
        if (barrier.Scope.Length != 0)
        {
            return;
        }

        // A member of an older version has no quorum messages: each node counts with its own figures then.
        if (!_host.Supported)
        {
            _pending = null;
            return;
        }

        _pending = [.. barrier.Members.Select(m => m.Node)];
        // Two kinds of quorate: now (lifts wait_for_all elsewhere: this node has seen every node), and before this view
        // (its expected votes are the cluster's). A node that restarted may be quorate at once among a quorate
        // cluster's members, since their configured votes count, but its expected votes are only its file's.
        var status = _tracker.Status;
        var flags = (status.Quorate ? NodeInfoFlags.Quorate : 0) | (status.WaitingForAll ? NodeInfoFlags.WaitingForAll : 0)
            | (_quorateBefore ? NodeInfoFlags.HeldQuorum : 0);
        _host.Submit(QuorumWire.EncodeNodeInfo(new NodeInfo(VotesOf(_host.Self.Node), status.ExpectedVotes, flags)), control: true);
    }

    /// <inheritdoc/>
    public bool SyncProcess(SyncBarrier barrier) => barrier.Scope.Length != 0 || _pending is not { Count: > 0 };

    /// <inheritdoc/>
    public void SyncActivate(SyncBarrier barrier)
    {
        if (barrier.Scope.Length != 0 || _pending is null)
        {
            return;
        }

        _pending = null;
        ApplyNodeInfo();
        Publish();
    }

    /// <inheritdoc/>
    public void SyncAbort(SyncBarrier barrier)
    {
        // The next view's barrier starts at once; what arrived here is dropped with the view.
        if (barrier.Scope.Length == 0)
        {
            _pending = null;
        }
    }

    /// <inheritdoc/>
    public void OnOrdered(MemberId sender, ulong messageNo, byte[] payload)
    {
        if (!QuorumWire.TryReadOp(payload, out var op))
        {
            Reject(sender, $"a message of {payload.Length} bytes without an op and version");
            return;
        }

        switch (op)
        {
            case QuorumOp.NodeInfo:
                if (!QuorumWire.TryDecodeNodeInfo(payload, out var info, out string problem))
                {
                    Reject(sender, problem);
                    // Counted as arrived, so one bad member cannot hold the barrier: its figures are ours.
                    _pending?.Remove(sender.Node);
                    return;
                }

                if (_pending is not null && _pending.Remove(sender.Node))
                {
                    _infos[sender.Node] = info;
                }

                return;
            case QuorumOp.Reconfigure:
                if (!QuorumWire.TryDecodeReconfigure(payload, out var change, out problem))
                {
                    Reject(sender, problem);
                    return;
                }

                Apply(sender, change);
                return;
            default:
                Reject(sender, $"unknown op {(byte)op}");
                return;
        }
    }

    /// <inheritdoc/>
    public void OnReturned(byte[] payload, bool outcomeUnknown)
    {
        // A change is a "set", so applying it twice is harmless: send it again whether or not it was delivered.
        if (QuorumWire.TryReadOp(payload, out var op) && op == QuorumOp.Reconfigure)
        {
            _host.Submit(payload, force: true);
        }
    }

    /// <inheritdoc/>
    public void OnTick(Instant now)
    {
        var before = _tracker.Status;
        _tracker.OnTime(now);
        if (_tracker.Status.ExpectedVotes != before.ExpectedVotes)
        {
            _host.Log(LogLevel.Info,
                $"last man standing: expected votes lowered from {before.ExpectedVotes} to {_tracker.Status.ExpectedVotes} after the window");
        }

        Publish();
    }

    /// <inheritdoc/>
    public ServiceResponse OnRequest(ServiceRequest request) => request switch
    {
        QuorumQuery => new QuorumStateResponse(State),
        SetExpectedVotes set => RequestExpectedVotes(set),
        SetNodeVotes set => RequestNodeVotes(set),
        CancelWaitForAll cancel => RequestCancelWaitForAll(cancel),
        _ => ServiceResponse.Unsupported,
    };

    private QuorumChangeResponse RequestExpectedVotes(SetExpectedVotes request)
    {
        var status = _tracker.Status;
        int value = request.ExpectedVotes;
        if (value is < 1 or > QuorumWire.MaxExpectedVotes)
        {
            return Refuse($"expected votes {value} is out of range (1..{QuorumWire.MaxExpectedVotes})");
        }

        if (value < status.TotalVotes)
        {
            return Refuse($"expected votes {value} is below the {status.TotalVotes} votes present in this view; "
                + "expected votes can never be lower than the votes of the members");
        }

        if (status.Quorate && !WouldStayQuorate(value, status.TotalVotes))
        {
            int quorum = QuorumCalculation.Majority(value, status.TotalVotes);
            return Refuse($"expected votes {value} would make this quorate partition inquorate: quorum would be {quorum} "
                + $"and only {status.TotalVotes} votes are present");
        }

        if (SendChange(new Reconfigure(QuorumParameter.ExpectedVotes, NodeId.None, value, request.RequestedBy)) is { } refused)
        {
            return refused;
        }

        bool overriding = !status.Quorate && value < status.ExpectedVotes;
        if (overriding)
        {
            _host.Log(LogLevel.Warning,
                $"operator override by uid {request.RequestedBy}: expected votes lowered from {status.ExpectedVotes} to {value} on an inquorate partition "
                + $"(view {_view}, {status.TotalVotes} votes present)");
        }

        return new QuorumChangeResponse(true, $"expected votes set to {value} (was {status.ExpectedVotes})", overriding);
    }

    private QuorumChangeResponse RequestNodeVotes(SetNodeVotes request)
    {
        var options = _tracker.Options;
        if (!options.Votes.TryGetValue(request.Node, out int current))
        {
            return Refuse($"node {request.Node} is not in the configuration (nodes: {string.Join(", ", options.Votes.Keys.Order())})");
        }

        if (request.Votes is < 0 or > QuorumWire.MaxVotes)
        {
            return Refuse($"votes {request.Votes} for node {request.Node} is out of range (0..{QuorumWire.MaxVotes})");
        }

        if (options.LastManStanding && request.Votes > 1)
        {
            return Refuse($"node {request.Node} cannot have {request.Votes} votes: last_man_standing needs every node to have 1 vote");
        }

        var status = _tracker.Status;
        bool member = _tracker.Members.Contains(request.Node);
        int total = status.TotalVotes - (member ? current : 0) + (member ? request.Votes : 0);
        int expected = Math.Max(status.ExpectedVotes, total);
        if (status.Quorate && !WouldStayQuorate(expected, total))
        {
            return Refuse($"{request.Votes} votes for node {request.Node} would make this quorate partition inquorate: "
                + $"quorum would be {QuorumCalculation.Majority(expected, total)} and {total} votes would be present");
        }

        if (SendChange(new Reconfigure(QuorumParameter.NodeVotes, request.Node, request.Votes, request.RequestedBy)) is { } refused)
        {
            return refused;
        }

        return new QuorumChangeResponse(true, $"node {request.Node} votes set to {request.Votes} (was {current})");
    }

    private QuorumChangeResponse RequestCancelWaitForAll(CancelWaitForAll request)
    {
        var status = _tracker.Status;
        if (!_tracker.Options.WaitForAll)
        {
            return Refuse("wait_for_all is off: there is nothing to unblock");
        }

        if (!status.WaitingForAll)
        {
            return Refuse("wait_for_all is not blocking: every node has been seen since the cluster started");
        }

        if (SendChange(new Reconfigure(QuorumParameter.CancelWaitForAll, NodeId.None, 0, request.RequestedBy)) is { } refused)
        {
            return refused;
        }

        _host.Log(LogLevel.Warning,
            $"operator override by uid {request.RequestedBy}: wait_for_all lifted before every node was seen (view {_view})");
        return new QuorumChangeResponse(true, "wait_for_all lifted: quorum is counted from the nodes present", Override: true);
    }

    // Two-node mode keeps quorum 1 while at most two nodes are members.
    private bool WouldStayQuorate(int expected, int total) =>
        (_tracker.Options.TwoNode && _tracker.Members.Count <= 2) || QuorumCalculation.Majority(expected, total) <= total;

    private QuorumChangeResponse? SendChange(Reconfigure change)
    {
        if (!_host.Supported)
        {
            return Refuse("a member of this view runs a version without the quorum service's messages; change it once every node is upgraded");
        }

        if (_host.CurrentView is null)
        {
            return Refuse("this node is not in a view yet");
        }

        return _host.Submit(QuorumWire.EncodeReconfigure(change), force: true) == SubmitResult.Accepted
            ? null
            : Refuse("the change could not be queued (the node is leaving or not in a view)");
    }

    private static QuorumChangeResponse Refuse(string reason) => new(false, reason);

    private void Apply(MemberId sender, Reconfigure change)
    {
        var before = _tracker.Status;
        switch (change.Parameter)
        {
            case QuorumParameter.ExpectedVotes:
                // Checked by the sender against its state; two changes sent at once are applied in the total order,
                // and one below the votes present by then is not applied anywhere (every member sees the same).
                if (change.Value < before.TotalVotes)
                {
                    _host.Log(LogLevel.Warning,
                        $"expected votes {change.Value} from node {sender.Node} (uid {change.RequestedBy}) not applied: {before.TotalVotes} votes are present");
                    return;
                }

                _tracker.SetExpectedVotes(change.Value);
                _host.Log(LogLevel.Info,
                    $"expected votes set to {change.Value} (was {before.ExpectedVotes}) by uid {change.RequestedBy} on node {sender.Node}");
                break;
            case QuorumParameter.NodeVotes:
                if (!_tracker.Options.Votes.ContainsKey(change.Node))
                {
                    _host.Log(LogLevel.Warning, $"votes for node {change.Node} from node {sender.Node} not applied: not in this node's configuration");
                    return;
                }

                _tracker.SetVotes(change.Node, change.Value);
                _host.Log(LogLevel.Info, $"node {change.Node} votes set to {change.Value} by uid {change.RequestedBy} on node {sender.Node}");
                break;
            case QuorumParameter.CancelWaitForAll:
                _tracker.CancelWaitForAll();
                _host.Log(LogLevel.Info, $"wait_for_all lifted by uid {change.RequestedBy} on node {sender.Node}");
                break;
        }

        LogTransition(before);
        Publish();
    }

    // The view's nodeinfo, applied together and in node order so that every member ends in the same state.
    private void ApplyNodeInfo()
    {
        var before = _tracker.Status;
        foreach (var (node, info) in _infos.OrderBy(i => i.Key))
        {
            if (_tracker.Options.Votes.ContainsKey(node))
            {
                _tracker.SetVotes(node, info.Votes);
            }
        }

        // As votequorum: only the expected votes of a member that held quorum before this view count. A node that did
        // not takes theirs, even if lower (a window or an operator lowered them); one that did only raises its own.
        // Where no member held quorum, every member raises to the highest announced, so the view agrees (raising
        // never makes two partitions quorate; votequorum leaves each node with its own then).
        int heldExpected = 0;
        int anyExpected = 0;
        bool liftedSomewhere = false;
        foreach (var info in _infos.Values)
        {
            anyExpected = Math.Max(anyExpected, info.ExpectedVotes);
            if ((info.Flags & NodeInfoFlags.HeldQuorum) != 0)
            {
                heldExpected = Math.Max(heldExpected, info.ExpectedVotes);
            }

            liftedSomewhere |= (info.Flags & (NodeInfoFlags.Quorate | NodeInfoFlags.WaitingForAll)) == NodeInfoFlags.Quorate;
        }

        if (heldExpected > 0 && !_quorateBefore)
        {
            _tracker.SetExpectedVotes(heldExpected);
        }
        else if (heldExpected > 0)
        {
            _tracker.AdoptExpectedVotes(heldExpected);
        }
        else if (anyExpected > 0)
        {
            _tracker.AdoptExpectedVotes(anyExpected);
        }

        if (liftedSomewhere && _tracker.Status.WaitingForAll)
        {
            _tracker.CancelWaitForAll();
        }

        LogTransition(before);
    }

    private void LogTransition(QuorumStatus before)
    {
        var now = _tracker.Status;
        if (before.Quorate != now.Quorate)
        {
            _host.Log(now.Quorate ? LogLevel.Info : LogLevel.Warning,
                $"{(now.Quorate ? "quorum gained" : "quorum lost")} in view {_view}: {Describe(now)}");
        }
    }

    private void Publish()
    {
        var state = Build();
        State = state;
        if (!state.SameAs(_published))
        {
            _published = state;
            _host.Emit(new QuorumChanged(state));
        }
    }

    private QuorumState Build()
    {
        var status = _tracker.Status;
        var options = _tracker.Options;
        int highest = status.ExpectedVotes;
        var members = new List<QuorumMember>(_tracker.Members.Count);
        foreach (var node in _tracker.Members.Order())
        {
            int expected = _infos.TryGetValue(node, out var info) ? info.ExpectedVotes : 0;
            if (info.Flags.HasFlag(NodeInfoFlags.HeldQuorum))
            {
                highest = Math.Max(highest, expected);
            }

            members.Add(new QuorumMember(node, VotesOf(node), expected));
        }

        var flags = QuorumFlags.None;
        if (status.Quorate)
        {
            flags |= QuorumFlags.Quorate;
        }

        if (options.TwoNode && _tracker.Members.Count <= 2)
        {
            flags |= QuorumFlags.TwoNode;
        }

        if (options.WaitForAll)
        {
            flags |= QuorumFlags.WaitForAll;
        }

        if (status.WaitingForAll)
        {
            flags |= QuorumFlags.WaitingForAll;
        }

        if (options.LastManStanding)
        {
            flags |= QuorumFlags.LastManStanding;
        }

        if (options.AutoTieBreaker is not null)
        {
            flags |= QuorumFlags.AutoTieBreaker;
        }

        if (options.AllowDownscale)
        {
            flags |= QuorumFlags.AllowDownscale;
        }

        if (options.Arbiter)
        {
            flags |= QuorumFlags.Arbiter;
        }

        bool synced = _pending is null && _infos.Count > 0;
        return new QuorumState(_view, status.Quorate, status.ExpectedVotes, highest, status.TotalVotes, status.Quorum, flags,
            status.Reason, members, synced);
    }

    private int VotesOf(NodeId node) => _tracker.Options.Votes.TryGetValue(node, out int votes) ? votes : 0;

    private void Reject(MemberId sender, string problem)
    {
        RejectedMessages++;
        _host.Log(LogLevel.Warning, $"rejected a quorum message from node {sender.Node}: {problem} (counted)");
    }

    private static string Describe(QuorumStatus s) =>
        $"{s.TotalVotes} votes present, {s.ExpectedVotes} expected, quorum {s.Quorum} ({s.Reason})";
}
