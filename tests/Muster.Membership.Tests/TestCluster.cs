using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Membership.Tests;

/// <summary>
/// A few engines wired together with a perfect in-memory network and a manual clock: enough for unit tests of the
/// pure cores. (Faults, delays and invariants are the simulator's job.)
/// </summary>
internal sealed class TestCluster
{
    private readonly Queue<(NodeId From, NodeId To, byte[] Data)> _inflight = new();
    private readonly HashSet<NodeId> _down = [];
    private readonly HashSet<(NodeId From, NodeId To)> _blocked = [];

    public TestCluster(int nodes, Func<MembershipOptions, MembershipOptions>? tweak = null, ulong incarnation = 1,
        Func<NodeId, IEnumerable<Func<IServiceHost, INodeService>>>? services = null)
        : this(nodes, tweak, null, incarnation, services)
    {
    }

    /// <summary>A cluster whose nodes may have options of their own (another node list, say): <paramref name="perNode"/> gets each node's id.</summary>
    public TestCluster(int nodes, Func<NodeId, MembershipOptions, MembershipOptions> perNode, ulong incarnation = 1,
        Func<NodeId, IEnumerable<Func<IServiceHost, INodeService>>>? services = null)
        : this(nodes, null, perNode, incarnation, services)
    {
    }

    private TestCluster(int nodes, Func<MembershipOptions, MembershipOptions>? tweak,
        Func<NodeId, MembershipOptions, MembershipOptions>? perNode, ulong incarnation,
        Func<NodeId, IEnumerable<Func<IServiceHost, INodeService>>>? services)
    {
        _services = services;
        var ids = Enumerable.Range(1, nodes).Select(i => new NodeId((uint)i)).ToArray();
        var options = new MembershipOptions { ClusterName = "test", Nodes = ids, MaxMessageSize = 2 * 1024 * 1024, MaxPendingBytes = 8 * 1024 * 1024 };
        Options = tweak is null ? options : tweak(options);
        _perNode = perNode;
        foreach (var id in ids)
        {
            Nodes[id] = new TestNode(this, new MemberId(id, incarnation), OptionsOf(id), 0);
        }
    }

    private readonly Func<NodeId, MembershipOptions, MembershipOptions>? _perNode;
    private readonly Func<NodeId, IEnumerable<Func<IServiceHost, INodeService>>>? _services;

    /// <summary>The services after the group layer that node <paramref name="id"/> runs.</summary>
    internal IEnumerable<Func<IServiceHost, INodeService>>? ServicesOf(NodeId id) => _services?.Invoke(id);

    /// <summary>The options every node starts from.</summary>
    public MembershipOptions Options { get; }

    /// <summary>The options node <paramref name="id"/> runs with (what <see cref="Restart"/> uses too).</summary>
    public MembershipOptions OptionsOf(NodeId id) => _perNode is null ? Options : _perNode(id, Options);

    /// <summary>Every packet handed to the network so far, by sender and destination, whether or not it was delivered.</summary>
    public List<(NodeId From, NodeId To)> Sent { get; } = [];
    public Dictionary<NodeId, TestNode> Nodes { get; } = [];
    public Instant Now { get; private set; } = new(TimeSpan.TicksPerSecond);

    public TestNode this[uint id] => Nodes[new NodeId(id)];

    public void StartAll()
    {
        foreach (var n in Nodes.Values)
        {
            n.Node.Start(Now);
        }
    }

    /// <summary>Replaces a node's engine (a restart with a new incarnation).</summary>
    public void Restart(uint id, ulong incarnation, MembershipOptions? options = null, ulong viewMark = 0)
    {
        var node = new NodeId(id);
        _down.Remove(node);
        Nodes[node] = new TestNode(this, new MemberId(node, incarnation), options ?? OptionsOf(node), viewMark);
        Nodes[node].Node.Start(Now);
    }

    /// <summary>Stops delivering to and from a node (a crash, as far as the others can tell).</summary>
    public void Crash(uint id) => _down.Add(new NodeId(id));

    /// <summary>Drops every packet from <paramref name="from"/> to <paramref name="to"/> (one direction only).</summary>
    public void BlockOneWay(uint from, uint to) => _blocked.Add((new NodeId(from), new NodeId(to)));

    /// <summary>Drops every packet to and from a node (a pulled cable).</summary>
    public void Cut(uint id)
    {
        foreach (var other in Nodes.Keys.Where(n => n.Value != id))
        {
            _blocked.Add((new NodeId(id), other));
            _blocked.Add((other, new NodeId(id)));
        }
    }

    /// <summary>Lets packets from <paramref name="from"/> to <paramref name="to"/> through again.</summary>
    public void Unblock(uint from, uint to) => _blocked.Remove((new NodeId(from), new NodeId(to)));

    /// <summary>Removes every block that touches a node (in either direction), leaving the others.</summary>
    public void HealNode(uint id) => _blocked.RemoveWhere(b => b.From.Value == id || b.To.Value == id);

    /// <summary>Drops a packet when it returns true (sender, destination, bytes): a filter finer than a block.</summary>
    public Func<NodeId, NodeId, byte[], bool>? Drop { get; set; }

    /// <summary>Removes every block.</summary>
    public void HealAll() => _blocked.Clear();

    /// <summary>
    /// Sends what the node has queued (after requests made to its engine or group layer directly), and puts on the
    /// network what an engine-level test wrote to the node's raw <see cref="TestNode.Outbox"/>.
    /// </summary>
    public void Collect(TestNode node)
    {
        foreach (var p in node.Outbox.Packets)
        {
            Enqueue(node.Engine.Self.Node, p.Destination, p.Buffer, p.Length);
        }

        node.Events.AddRange(node.Outbox.Events);
        node.Outbox.Clear();
        node.Node.Flush(Now);
    }

    internal void Enqueue(NodeId from, NodeId to, byte[] buffer, int length)
    {
        Sent.Add((from, to));
        _inflight.Enqueue((from, to, buffer.AsSpan(0, length).ToArray()));
    }

    /// <summary>Delivers every packet in flight (and what they cause) at the current instant.</summary>
    public void Settle()
    {
        int guard = 0;
        while (_inflight.TryDequeue(out var p))
        {
            if (++guard > 1_000_000)
            {
                throw new InvalidOperationException("packets keep flowing: livelock");
            }

            if (_down.Contains(p.From) || _down.Contains(p.To) || _blocked.Contains((p.From, p.To)) || !Nodes.TryGetValue(p.To, out var to) ||
                Drop?.Invoke(p.From, p.To, p.Data) == true)
            {
                continue;
            }

            if (!to.Node.HasLeft)
            {
                to.Node.OnPacket(p.From, p.Data, Now);
            }
        }
    }

    /// <summary>Advances the clock in steps, ticking every node and settling the network each step.</summary>
    public void Run(TimeSpan duration, TimeSpan? step = null)
    {
        var end = Now + duration;
        var s = step ?? TimeSpan.FromMilliseconds(5);
        while (Now < end)
        {
            Now += s;
            foreach (var n in Nodes.Values.Where(n => !_down.Contains(n.Engine.Self.Node)))
            {
                if (!n.Node.HasLeft && Now >= n.Node.NextDeadline)
                {
                    n.Node.Tick(Now);
                }
            }

            Settle();
        }
    }

    /// <summary>Runs until every live node is operational in one view of exactly the live nodes, or fails.</summary>
    public View RunUntilConverged(TimeSpan limit)
    {
        var end = Now + limit;
        while (Now < end)
        {
            Run(TimeSpan.FromMilliseconds(10));
            var live = Nodes.Values.Where(n => !_down.Contains(n.Engine.Self.Node)).ToList();
            var view = live[0].Engine.CurrentView;
            if (view is not null && view.Members.Count == live.Count &&
                live.All(n => n.Engine.State == NodeState.Operational && n.Engine.CurrentView?.Id == view.Id))
            {
                return view;
            }
        }

        throw new InvalidOperationException("no convergence: " + string.Join("; ", Nodes.Values.Select(n => n.Engine.DescribeState())));
    }
}

/// <summary>One node of a <see cref="TestCluster"/>: the daemon's composed node, with what it did recorded.</summary>
internal sealed class TestNode : INodeEffects
{
    private readonly TestCluster _cluster;

    public TestNode(TestCluster cluster, MemberId self, MembershipOptions options, ulong viewMark)
    {
        _cluster = cluster;
        Node = new ClusterNode(self, options, viewMark, this, services: cluster.ServicesOf(self.Node));
    }

    public ClusterNode Node { get; }
    public MembershipEngine Engine => Node.Membership;
    public GroupEngine Groups => Node.Groups;

    /// <summary>For engine-level tests that call the engine with an outbox of their own; <see cref="TestCluster.Collect"/> sends it.</summary>
    public Outbox Outbox { get; } = new();
    public List<MembershipEvent> Events { get; } = [];
    public List<GroupEvent> GroupEvents { get; } = [];

    /// <summary>The last view-sequence mark the node asked to persist.</summary>
    public ulong PersistedMark { get; private set; }

    public IEnumerable<MembershipEvent> Deliveries => Events.Where(e => e.Kind == MembershipEventKind.Delivered && e.MessageNo != 0);
    public IEnumerable<ViewChange> ViewChanges => Events.Where(e => e.Kind == MembershipEventKind.ViewChanged).Select(e => e.ViewChange!);
    public IEnumerable<string> Logs => Events.Where(e => e.Kind == MembershipEventKind.Log).Select(e => e.Text!);

    void INodeEffects.PersistViewSequence(ulong mark) => PersistedMark = mark;

    void INodeEffects.Send(NodeId destination, byte[] buffer, int length) => _cluster.Enqueue(Engine.Self.Node, destination, buffer, length);

    void INodeEffects.SendsDone()
    {
    }

    void INodeEffects.OnEvent(in MembershipEvent ev, IReadOnlyList<GroupEvent> groupEvents)
    {
        Events.Add(ev);
        GroupEvents.AddRange(groupEvents);
        if (ev.Kind == MembershipEventKind.ViewChanged)
        {
            Timeline.Add(ev.ViewChange!);
        }
    }

    void INodeEffects.OnLocalEvents(IReadOnlyList<GroupEvent> groupEvents) => GroupEvents.AddRange(groupEvents);

    void INodeEffects.OnServiceEffect(ServiceId service, ServiceEffect effect)
    {
        ServiceEffects.Add(effect);
        Timeline.Add(effect);
    }

    void INodeEffects.Log(Muster.Core.Diagnostics.LogLevel level, string text) => NodeLogs.Add(text);

    /// <summary>The effects the node's services handed to the shell, in order.</summary>
    public List<ServiceEffect> ServiceEffects { get; } = [];

    /// <summary>View changes and service effects in the order the shell got them.</summary>
    public List<object> Timeline { get; } = [];

    /// <summary>Log lines of the node and its services (the engine's own are in <see cref="Logs"/>).</summary>
    public List<string> NodeLogs { get; } = [];
}

/// <summary>Effects nobody looks at: for tests that feed a node hand-made events and look at its state.</summary>
internal sealed class SilentEffects : INodeEffects
{
    public void PersistViewSequence(ulong mark)
    {
    }

    public void Send(NodeId destination, byte[] buffer, int length)
    {
    }

    public void SendsDone()
    {
    }

    public void OnEvent(in MembershipEvent ev, IReadOnlyList<GroupEvent> groupEvents)
    {
    }

    public void OnLocalEvents(IReadOnlyList<GroupEvent> groupEvents)
    {
    }
}
