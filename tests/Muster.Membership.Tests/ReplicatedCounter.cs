using System.Buffers.Binary;
using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Membership.Tests;

/// <summary>
/// A toy second service for the tests of the service contract: a replicated counter. Adds are ordered messages
/// (every node applies them in the same order); at each view's barrier every node multicasts its value and the
/// barrier activates when all have arrived, taking the highest (a merge); a query is a point-to-point message that
/// the other node answers the same way. It joins the process group "counters" from an in-node endpoint, and begins a
/// barrier of its own scope whenever that group's membership changes. It touches nothing but its host.
/// </summary>
internal sealed class ReplicatedCounter : INodeService
{
    public static readonly ServiceId ServiceId = new(200);
    public const string Group = "counters";

    private const byte AddOp = 1;
    private const byte StateOp = 2;
    private const byte QueryOp = 3;
    private const byte AnswerOp = 4;

    private readonly IServiceHost _host;
    private readonly List<long> _held = [];
    private HashSet<NodeId>? _pending;
    private long _highest;
    private int _endpoint;

    public ReplicatedCounter(IServiceHost host, string? holdGate = null, string? holdScopeGate = null)
    {
        _host = host;
        _holdGate = holdGate;
        _holdScopeGate = holdScopeGate;
    }

    private readonly string? _holdGate;
    private readonly string? _holdScopeGate;

    public ServiceId Id => ServiceId;

    public string Name => "counter";

    public long Value { get; private set; }

    /// <summary>Answers to our queries: (who answered, its value).</summary>
    public List<(NodeId From, long Value)> Answers { get; } = [];

    /// <summary>What the barriers did, in order: "init counters #1", "activate #1", "abort '' #2"...</summary>
    public List<string> BarrierLog { get; } = [];

    /// <summary>Group events that reached this service through its in-node endpoint.</summary>
    public List<GroupEvent> GroupEvents { get; } = [];

    public sealed record Add(long Delta) : ServiceRequest;

    public sealed record Query(NodeId Node) : ServiceRequest;

    public sealed record JoinGroup : ServiceRequest;

    public sealed record Result(string Outcome) : ServiceResponse;

    public ServiceResponse OnRequest(ServiceRequest request)
    {
        switch (request)
        {
            case Add add:
                var message = new byte[9];
                message[0] = AddOp;
                BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(1), add.Delta);
                return new Result(_host.Submit(message).ToString());
            case Query query:
                return new Result(_host.SendDirect(query.Node, [QueryOp]).ToString());
            case JoinGroup:
                _endpoint = _host.OpenEndpoint();
                var groups = (GroupEngine)_host.Services[0];
                return new Result(groups.Join(Group, 1, _endpoint).ToString());
            default:
                return ServiceResponse.Unsupported;
        }
    }

    public void OnOrdered(MemberId sender, ulong messageNo, byte[] payload)
    {
        if (payload.Length != 9)
        {
            return;
        }

        long value = BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(1));
        if (payload[0] == StateOp && _pending is not null && _pending.Remove(sender.Node))
        {
            _highest = Math.Max(_highest, value);
        }
        else if (payload[0] == AddOp && _pending is not null)
        {
            // Applied at activation, after the merge, in the order they were delivered.
            _held.Add(value);
        }
        else if (payload[0] == AddOp)
        {
            Value += value;
        }
    }

    public void OnDirect(MemberId sender, byte[] payload)
    {
        if (payload.Length == 1 && payload[0] == QueryOp)
        {
            var answer = new byte[9];
            answer[0] = AnswerOp;
            BinaryPrimitives.WriteInt64LittleEndian(answer.AsSpan(1), Value);
            _host.SendDirect(sender.Node, answer);
        }
        else if (payload.Length == 9 && payload[0] == AnswerOp)
        {
            Answers.Add((sender.Node, BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(1))));
        }
    }

    public void OnGroupEvent(GroupEvent ev)
    {
        GroupEvents.Add(ev);
        if (ev.Kind == GroupEventKind.MembershipChanged && _host.CurrentView is { } view)
        {
            var members = view.Members.Where(m => ev.Members.Any(g => g.Node == m.Node)).ToList();
            _host.BeginSync(Group, members);
        }
    }

    public void SyncInit(SyncBarrier barrier)
    {
        BarrierLog.Add($"init '{barrier.Scope}' #{barrier.Epoch}");
        if (barrier.Scope.Length != 0)
        {
            if (_holdScopeGate is not null)
            {
                barrier.Hold(_holdScopeGate);
            }

            return;
        }

        if (_holdGate is not null)
        {
            barrier.Hold(_holdGate);
        }

        if (!_host.Supported)
        {
            // A version-2 member is in the view: this service is off until it is gone.
            return;
        }

        _pending = [.. barrier.Members.Select(m => m.Node)];
        _highest = Value;
        var state = new byte[9];
        state[0] = StateOp;
        BinaryPrimitives.WriteInt64LittleEndian(state.AsSpan(1), Value);
        _host.Submit(state, control: true);
    }

    public bool SyncProcess(SyncBarrier barrier) => barrier.Scope.Length != 0 || _pending is not { Count: > 0 };

    public void SyncActivate(SyncBarrier barrier)
    {
        BarrierLog.Add($"activate '{barrier.Scope}' #{barrier.Epoch}");
        if (barrier.Scope.Length == 0)
        {
            Finish();
        }
    }

    public void SyncAbort(SyncBarrier barrier)
    {
        BarrierLog.Add($"abort '{barrier.Scope}' #{barrier.Epoch}");
        if (barrier.Scope.Length == 0)
        {
            Finish();
        }
    }

    private void Finish()
    {
        if (_pending is not null)
        {
            Value = _highest;
        }

        _pending = null;
        foreach (long delta in _held)
        {
            Value += delta;
        }

        _held.Clear();
    }
}
