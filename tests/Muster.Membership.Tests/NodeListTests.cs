using System.Net;
using Muster.Core;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Membership.Tests;

// Nodes compare a digest of their node lists (wire version 2): a peer whose list differs is refused like one with
// another config version, on both sides, and the refusal names the nodes that differ.
public class NodeListTests
{
    private static readonly Instant s_now = new(TimeSpan.TicksPerSecond);

    private static NodeId[] Ids(params uint[] ids) => [.. ids.Select(i => new NodeId(i))];

    private static MembershipEngine Engine(uint self, NodeId[] nodes, IReadOnlyDictionary<NodeId, uint>? hashes = null) =>
        new(new MemberId(new NodeId(self), 1), new MembershipOptions { ClusterName = "x", Nodes = nodes, NodeEntryHashes = hashes }, 0);

    // Hands every packet in `from` addressed to `to` over, as the transport would, and clears `from`.
    private static void Deliver(MembershipEngine sender, Outbox from, MembershipEngine to, Outbox toOutbox)
    {
        foreach (var p in from.Packets.Where(p => p.Destination == to.Self.Node))
        {
            to.OnPacket(sender.Self.Node, p.Buffer.AsSpan(0, p.Length), s_now, toOutbox);
        }

        from.Clear();
    }

    private static IEnumerable<string> Logs(Outbox outbox) =>
        outbox.Events.Where(e => e.Kind == MembershipEventKind.Log).Select(e => e.Text!);

    [Fact]
    public void NodeMissingFromAList_IsRefusedAndLoggedOnBothSides_NamingTheNodes()
    {
        // Node 3's configuration lacks node 2; node 1's has 1, 2, 3.
        var a = Engine(1, Ids(1, 2, 3));
        var b = Engine(3, Ids(1, 3));
        Assert.NotEqual(a.NodeListDigest, b.NodeListDigest);
        var oa = new Outbox();
        var ob = new Outbox();
        a.Start(s_now, oa);
        b.Start(s_now, ob);
        var bHeartbeats = ob.Packets.ToList();
        ob.Clear();

        // Node 1's heartbeat reaches node 3: refused, logged, and answered with a Refuse naming node 3's list.
        Deliver(a, oa, b, ob);
        Assert.Equal(1, b.Counters.RefusedNodeList);
        Assert.Contains(Logs(ob), l => l.StartsWith("refused node 1: its node list differs from ours", StringComparison.Ordinal));
        var refusal = Assert.Single(b.Refusals);
        Assert.Equal((new NodeId(1), RefusalDirection.Inbound, RefuseReason.NodeList), (refusal.Node, refusal.Direction, refusal.Reason));
        Assert.Single(ob.Packets);

        // Node 1 learns why, with both lists.
        Deliver(b, ob, a, oa);
        Assert.Contains(Logs(oa), l => l == "node 3 refuses us: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)");
        var outbound = Assert.Single(a.Refusals);
        Assert.Equal(RefusalDirection.Outbound, outbound.Direction);
        Assert.Equal("it refuses our packets: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)", outbound.Detail);
        oa.Clear();

        // And the other way round: node 3's heartbeat is refused by node 1, which now knows node 3's list.
        foreach (var p in bHeartbeats.Where(p => p.Destination == a.Self.Node))
        {
            a.OnPacket(b.Self.Node, p.Buffer.AsSpan(0, p.Length), s_now, oa);
        }

        Assert.Equal(1, a.Counters.RefusedNodeList);
        Assert.Contains(Logs(oa), l => l == "refused node 3: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)");
        Assert.Contains(a.Refusals, r => r.Direction == RefusalDirection.Inbound && r.Node == new NodeId(3) &&
            r.Detail == "we refuse its packets: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)");
        Deliver(a, oa, b, ob);
        Assert.Contains(Logs(ob), l => l == "node 1 refuses us: its node list differs from ours (it lists nodes 1,2,3; we list 1,3)");
    }

    [Fact]
    public void SameIdsOtherAddress_IsRefused_NamingTheNodeWhoseEntryDiffers()
    {
        var ids = Ids(1, 2, 3);
        static uint Hash(uint id, string address) =>
            NodeListDigest.EntryHash(new NodeId(id), $"n{id}", [IPEndPoint.Parse(address)]);
        var ours = ids.ToDictionary(n => n, n => Hash(n.Value, $"10.0.0.{n.Value}:5405"));
        var theirs = new Dictionary<NodeId, uint>(ours) { [new NodeId(2)] = Hash(2, "10.0.0.22:5405") };
        var a = Engine(1, ids, ours);
        var b = Engine(3, ids, theirs);
        var oa = new Outbox();
        var ob = new Outbox();
        a.Start(s_now, oa);
        Deliver(a, oa, b, ob);
        Deliver(b, ob, a, oa);

        Assert.Contains(Logs(oa), l => l ==
            "node 3 refuses us: its node list differs from ours (it lists the same nodes, 1,2,3; node 2 has another name or other addresses there)");
    }

    [Fact]
    public void EntryHash_IgnoresTheIpv6Scope_ButNotThePortOrTheName()
    {
        var node = new NodeId(1);
        uint plain = NodeListDigest.EntryHash(node, "a", [IPEndPoint.Parse("[fe80::1]:5405")]);
        Assert.Equal(plain, NodeListDigest.EntryHash(node, "a", [IPEndPoint.Parse("[fe80::1%2]:5405")]));
        Assert.NotEqual(plain, NodeListDigest.EntryHash(node, "a", [IPEndPoint.Parse("[fe80::1]:5406")]));
        Assert.NotEqual(plain, NodeListDigest.EntryHash(node, "b", [IPEndPoint.Parse("[fe80::1]:5405")]));
        Assert.NotEqual(plain, NodeListDigest.EntryHash(new NodeId(2), "a", [IPEndPoint.Parse("[fe80::1]:5405")]));
        // The order of addresses is the link order: it matters.
        var one = IPEndPoint.Parse("10.0.0.1:5405");
        var two = IPEndPoint.Parse("10.1.0.1:5405");
        Assert.NotEqual(NodeListDigest.EntryHash(node, "a", [one, two]), NodeListDigest.EntryHash(node, "a", [two, one]));
        // The digest does not depend on the order the entries come in.
        NodeListEntry[] entries = [new(new NodeId(2), 7), new(new NodeId(1), 9)];
        Assert.Equal(NodeListDigest.Compute(entries), NodeListDigest.Compute(entries.Reverse()));
    }

    [Fact]
    public void NodeWithAnotherList_NeverJoins_UntilItsListMatches_ThenRefusalsClear()
    {
        // Three nodes; node 3 lists only 1 and 3. Nodes 1 and 2 form a view without it, and node 3 stays alone.
        var c = new TestCluster(3, (id, o) => id.Value == 3 ? o with { Nodes = Ids(1, 3) } : o);
        c.StartAll();
        c.Run(TimeSpan.FromSeconds(3));
        Assert.Equal(Ids(1, 2), c[1].Engine.CurrentView!.Members.Select(m => m.Node));
        Assert.Equal(Ids(3), c[3].Engine.CurrentView!.Members.Select(m => m.Node));
        Assert.Contains(c[1].Engine.Refusals, r => r.Node == new NodeId(3) && r.Reason == RefuseReason.NodeList);
        Assert.Contains(c[3].Engine.Refusals, r => r.Node == new NodeId(1) && r.Reason == RefuseReason.NodeList);
        // Node 3 never sends anything to node 2, which is not in its list.
        Assert.DoesNotContain(c.Sent, s => s.From == new NodeId(3) && s.To == new NodeId(2));

        // Node 3 restarts with the right list: it joins, and every refusal of it is gone.
        c.Restart(3, 2, c.Options);
        var view = c.RunUntilConverged(TimeSpan.FromSeconds(5));
        Assert.Equal(3, view.Members.Count);
        Assert.All(c.Nodes.Values, n => Assert.Empty(n.Engine.Refusals));
    }

    [Fact]
    public void PacketsNamingUnconfiguredNodes_AreNeverAnswered()
    {
        // Whatever arrives, the engine only ever sends to configured nodes: a refusal goes back only to a configured
        // source, never to a node id a packet merely names.
        var c = new TestCluster(3);
        c.StartAll();
        c.RunUntilConverged(TimeSpan.FromSeconds(3));
        // Strangers of another cluster, of another config version, and of this cluster with a longer node list.
        var os = new Outbox();
        foreach (var options in new[]
        {
            new MembershipOptions { ClusterName = "other", Nodes = Ids(1, 2, 3, 9) },
            new MembershipOptions { ClusterName = "test", Nodes = Ids(1, 2, 3, 9), ConfigVersion = 5 },
            new MembershipOptions { ClusterName = "test", Nodes = Ids(1, 2, 3, 9) },
        })
        {
            var stranger = new MembershipEngine(new MemberId(new NodeId(9), 1), options, 0);
            stranger.Start(s_now, os);
            stranger.Tick(s_now + TimeSpan.FromSeconds(1), os);
        }

        var node = c[1];
        foreach (var p in os.Packets)
        {
            // As from its own (unconfigured) id, and as from the addresses of configured nodes.
            foreach (uint source in new uint[] { 9, 2, 3 })
            {
                node.Engine.OnPacket(new NodeId(source), p.Buffer.AsSpan(0, p.Length), c.Now, node.Outbox);
            }
        }

        Assert.All(node.Outbox.Packets, p => Assert.Contains(p.Destination, Ids(1, 2, 3)));
        Assert.DoesNotContain(node.Outbox.Packets, p => p.Destination == new NodeId(9));
        c.Collect(node);
        c.Run(TimeSpan.FromSeconds(1));
        Assert.All(c.Sent, s => Assert.Contains(s.To, Ids(1, 2, 3)));
    }

    [Fact]
    public void Refuse_RoundTrips_AndAVersion1BodyIsMalformed()
    {
        var refuse = new Refuse(RefuseReason.NodeList, 0x1122334455667788, [new(new NodeId(1), 5), new(new NodeId(3), 6)]);
        byte[] bytes = new byte[refuse.EncodedSize];
        var w = new WireWriter(bytes);
        refuse.Write(ref w);
        var r = new WireReader(bytes);
        Assert.True(Refuse.TryRead(ref r, out var again));
        Assert.Equal(refuse, again);
        Assert.Equal(0, r.Remaining);

        // Version 1's body was reason and value only; version 2 needs the entry count.
        var v1 = new WireReader(bytes.AsSpan(0, 9));
        Assert.False(Refuse.TryRead(ref v1, out _));
        // An invalid node id in an entry is malformed.
        bytes[Refuse.FixedSize] = 0;
        bytes[Refuse.FixedSize + 1] = 0;
        var zero = new WireReader(bytes);
        Assert.False(Refuse.TryRead(ref zero, out _));
    }
}
