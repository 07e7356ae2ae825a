using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node;
using Muster.Node.Quorum;
using Muster.Node.Fencing;

namespace Muster.Fuzz.Targets;

/// <summary>One composed node (the daemon's node type), its packets recorded instead of sent.</summary>
internal sealed class FuzzNode : INodeEffects
{
    // With the quorum service, as the daemon composes it (default options: one vote per node).
    public FuzzNode(MemberId self, MembershipOptions options) =>
        Node = new ClusterNode(self, options, 0, this, services:
        [
            host => new QuorumService(host, DefaultQuorum(options)),
            host => new FencingService(host, FencingOptions.None(options.Nodes.ToDictionary(n => n, n => $"node{n.Value}"))),
        ]);

    public static EffectiveQuorumOptions DefaultQuorum(MembershipOptions options) =>
        QuorumOptionsCheck.Check(new QuorumOptions(options.Nodes.ToDictionary(n => n, _ => 1))).Effective!;

    public QuorumService Quorum => (QuorumService)Node.Services[1];

    public ClusterNode Node { get; }
    public MembershipEngine Engine => Node.Membership;
    public GroupEngine Groups => Node.Groups;

    /// <summary>Packets the engine wanted sent, in order (the recording cluster delivers them; replays drop them).</summary>
    public List<(NodeId To, byte[] Data)> Sent { get; } = [];

    /// <summary>Group events of the last input only; enough to exercise the code that builds them.</summary>
    public List<GroupEvent> GroupEvents { get; } = [];

    /// <summary>How many packets were sent since the node was made (the replay keeps only the count).</summary>
    public long SentCount { get; private set; }

    public bool KeepSent { get; init; }

    public void Apply(in ScriptStep step)
    {
        GroupEvents.Clear();
        try
        {
            switch (step.Kind)
            {
                case ScriptStepKind.Start:
                    Node.Start(step.Now);
                    break;
                case ScriptStepKind.Tick:
                    Node.Tick(step.Now);
                    break;
                case ScriptStepKind.Packet:
                    Node.OnPacket(step.From, step.Data, step.Now);
                    break;
                case ScriptStepKind.GroupJoin:
                    _ = Groups.Join(step.Group!, step.Pid, step.Session);
                    Node.Flush(step.Now);
                    break;
                case ScriptStepKind.GroupSend:
                    _ = Groups.Send(step.Group!, step.Pid, step.Session, step.Data);
                    Node.Flush(step.Now);
                    break;
            }
        }
        catch (NodeLoopException e)
        {
            throw new FuzzCheckException(e.Message);
        }
    }

    void INodeEffects.PersistViewSequence(ulong mark)
    {
    }

    void INodeEffects.Send(NodeId destination, byte[] buffer, int length)
    {
        SentCount++;
        if (KeepSent)
        {
            Sent.Add((destination, buffer.AsSpan(0, length).ToArray()));
        }
    }

    void INodeEffects.SendsDone()
    {
    }

    void INodeEffects.OnEvent(in MembershipEvent ev, IReadOnlyList<GroupEvent> groupEvents) => GroupEvents.AddRange(groupEvents);

    void INodeEffects.OnLocalEvents(IReadOnlyList<GroupEvent> groupEvents) => GroupEvents.AddRange(groupEvents);
}

/// <summary>What one recorded input to a node was.</summary>
internal enum ScriptStepKind : byte
{
    Start,
    Tick,
    Packet,
    GroupJoin,
    GroupSend,
}

/// <summary>One recorded input to a node, with everything needed to replay it.</summary>
internal readonly record struct ScriptStep(
    ScriptStepKind Kind, Instant Now, NodeId From = default, byte[]? Data = null, string? Group = null, uint Pid = 0,
    int Session = 0);

/// <summary>
/// A short, fixed run of a three-node cluster on a perfect in-memory network: the nodes form a view, one process on
/// each joins group "fuzz", and node 2 multicasts to it. Every input each node received is recorded, so a fuzz target
/// can rebuild any node's exact state (the engines are pure and deterministic) and then feed it fuzzed packets: an
/// engine in an installed view reaches code that a fresh engine never does.
/// </summary>
internal sealed class ClusterScript
{
    /// <summary>The cluster name; its hash goes in every patched header.</summary>
    public const string ClusterName = "fuzz";

    /// <summary>The incarnation every node runs with.</summary>
    public const ulong Incarnation = 1;

    /// <summary>The group the nodes' processes join.</summary>
    public const string GroupName = "fuzz";

    private static readonly Lazy<ClusterScript> Shared = new(Record);

    private readonly Dictionary<NodeId, List<ScriptStep>> _steps;

    private ClusterScript(MembershipOptions options, Dictionary<NodeId, List<ScriptStep>> steps, Instant end,
        Dictionary<NodeId, string> finalStates, List<(NodeId From, NodeId To, byte[] Data)> delivered)
    {
        Options = options;
        _steps = steps;
        End = end;
        FinalStates = finalStates;
        Delivered = delivered;
    }

    /// <summary>The one recording (made on first use; it takes a few milliseconds).</summary>
    public static ClusterScript Instance => Shared.Value;

    public static IReadOnlyList<NodeId> NodeIds { get; } = [new(1), new(2), new(3)];

    public MembershipOptions Options { get; }

    /// <summary>The virtual time at which the recording ends.</summary>
    public Instant End { get; }

    /// <summary>Each node's <see cref="MembershipEngine.DescribeState"/> at the end, to check that replays are exact.</summary>
    public IReadOnlyDictionary<NodeId, string> FinalStates { get; }

    /// <summary>Every packet delivered, in order (the seed generator picks real packets from here).</summary>
    public IReadOnlyList<(NodeId From, NodeId To, byte[] Data)> Delivered { get; }

    public static MembershipOptions MakeOptions() => new()
    {
        ClusterName = ClusterName,
        Nodes = [.. NodeIds],
        // Small limits keep the work one fuzzed input can cause small (a fuzzed Ordered packet may announce a
        // message of up to MaxMessageSize).
        MaxMessageSize = 64 * 1024,
        MaxPendingBytes = 256 * 1024,
    };

    /// <summary>A fresh node replayed up to the end of the recording.</summary>
    public FuzzNode Replay(NodeId node)
    {
        var replica = new FuzzNode(new MemberId(node, Incarnation), Options);
        foreach (var step in _steps[node])
        {
            replica.Apply(step);
        }

        return replica;
    }

    private static ClusterScript Record()
    {
        var options = MakeOptions();
        var nodes = NodeIds.ToDictionary(id => id, id => new FuzzNode(new MemberId(id, Incarnation), options) { KeepSent = true });
        var steps = NodeIds.ToDictionary(id => id, _ => new List<ScriptStep>());
        var delivered = new List<(NodeId From, NodeId To, byte[] Data)>();
        var inflight = new Queue<(NodeId From, NodeId To, byte[] Data)>();
        var now = new Instant(TimeSpan.TicksPerSecond);

        void Do(NodeId id, ScriptStep step)
        {
            steps[id].Add(step);
            var node = nodes[id];
            node.Apply(step);
            foreach (var (to, data) in node.Sent)
            {
                inflight.Enqueue((id, to, data));
            }

            node.Sent.Clear();
        }

        void Settle()
        {
            for (int guard = 0; inflight.TryDequeue(out var p); guard++)
            {
                if (guard > 100_000)
                {
                    throw new InvalidOperationException("the recording cluster does not settle");
                }

                delivered.Add(p);
                Do(p.To, new ScriptStep(ScriptStepKind.Packet, now, p.From, p.Data));
            }
        }

        void Run(TimeSpan duration)
        {
            var end = now + duration;
            while (now < end)
            {
                now += TimeSpan.FromMilliseconds(5);
                foreach (var id in NodeIds)
                {
                    if (now >= nodes[id].Engine.NextDeadline)
                    {
                        Do(id, new ScriptStep(ScriptStepKind.Tick, now));
                    }
                }

                Settle();
            }
        }

        foreach (var id in NodeIds)
        {
            Do(id, new ScriptStep(ScriptStepKind.Start, now));
        }

        Settle();
        Run(TimeSpan.FromSeconds(2));
        if (NodeIds.Any(id => nodes[id].Engine.CurrentView is not { Members.Count: 3 }))
        {
            throw new InvalidOperationException("the recording cluster did not form a view of three nodes: " +
                string.Join("; ", NodeIds.Select(id => nodes[id].Engine.DescribeState())));
        }

        foreach (var id in NodeIds)
        {
            Do(id, new ScriptStep(ScriptStepKind.GroupJoin, now, Group: GroupName, Pid: 100 + id.Value, Session: 1));
        }

        Settle();
        Run(TimeSpan.FromMilliseconds(200));
        Do(new NodeId(2), new ScriptStep(ScriptStepKind.GroupSend, now, Data: "hello from node 2"u8.ToArray(),
            Group: GroupName, Pid: 102, Session: 1));
        Settle();
        Run(TimeSpan.FromMilliseconds(200));

        var finalStates = NodeIds.ToDictionary(id => id, id => nodes[id].Engine.DescribeState());
        return new ClusterScript(options, steps, now, finalStates, delivered);
    }
}
