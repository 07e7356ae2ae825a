using Muster.Core;
using Muster.Membership;
using Muster.Node;
using Muster.Node.Groups;
using Muster.Node.Services;
using Muster.Wire;
using Xunit;

namespace Muster.Membership.Tests;

/// <summary>
/// The node's service contract, exercised by a toy second service (<see cref="ReplicatedCounter"/>) that plugs in
/// with no change to the node, the daemon or the group layer: ordered and point-to-point messages, the view's sync
/// barrier, a gate that holds it, a barrier of the service's own scope (a group's membership), in-node endpoints,
/// and mixed wire versions.
/// </summary>
public sealed class ServiceContractTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(5);

    private static TestCluster Cluster(int nodes, string? holdGate = null, string? holdScopeGate = null,
        Func<NodeId, bool>? runsCounter = null, Func<NodeId, MembershipOptions, MembershipOptions>? perNode = null) =>
        new(nodes, perNode ?? ((_, o) => o), services: id => runsCounter is null || runsCounter(id)
            ? [host => new ReplicatedCounter(host, holdGate, holdScopeGate)]
            : []);

    private static ReplicatedCounter Counter(TestNode node) =>
        (ReplicatedCounter)node.Node.Services.Single(s => s.Id == ReplicatedCounter.ServiceId);

    private static string Request(TestCluster c, uint node, ServiceRequest request) =>
        ((ReplicatedCounter.Result)c[node].Node.Request(ReplicatedCounter.ServiceId, request, c.Now)).Outcome;

    [Fact]
    public void OrderedAdds_ReachEveryNode_AndTheViewsBarrierActivatesOnEach()
    {
        var c = Cluster(3);
        c.StartAll();
        var view = c.RunUntilConverged(Converge);
        Assert.Equal(WireProtocol.ServiceVersion, view.ProtocolVersion);
        c.Run(TimeSpan.FromMilliseconds(200));
        foreach (var n in c.Nodes.Values)
        {
            Assert.Contains($"activate '' #{Counter(n).BarrierLog.Count(l => l.StartsWith("init ''", StringComparison.Ordinal))}", Counter(n).BarrierLog);
            Assert.Null(n.Node.OpenBarrier(ReplicatedCounter.ServiceId));
        }

        for (uint i = 1; i <= 3; i++)
        {
            Assert.Equal("Accepted", Request(c, i, new ReplicatedCounter.Add(i * 10)));
        }

        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.All(c.Nodes.Values, n => Assert.Equal(60, Counter(n).Value));
        // The group layer, the first service, is unchanged beside it.
        Assert.Equal(GroupRequestResult.Ok, c[1].Groups.Join("g", 1, 1));
    }

    [Fact]
    public void PointToPoint_QueryIsAnsweredByTheNodeAsked()
    {
        var c = Cluster(3);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));
        Request(c, 3, new ReplicatedCounter.Add(7));
        c.Run(TimeSpan.FromMilliseconds(200));

        Assert.Equal("Queued", Request(c, 1, new ReplicatedCounter.Query(new NodeId(3))));
        Assert.Equal("Queued", Request(c, 1, new ReplicatedCounter.Query(new NodeId(1))));
        c.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal([(new NodeId(3), 7L), (new NodeId(1), 7L)], Counter(c[1]).Answers.OrderByDescending(a => a.From.Value));
        Assert.Empty(Counter(c[2]).Answers);
        Assert.True(c[3].Engine.Counters.DirectReceived >= 1);
        Assert.Equal("NotMember", Request(c, 1, new ReplicatedCounter.Query(new NodeId(9))));
    }

    [Fact]
    public void AGateHoldsTheBarrierOpen_UntilItsInputOpensIt()
    {
        var c = Cluster(2, holdGate: "fenced");
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));
        var barrier = c[1].Node.OpenBarrier(ReplicatedCounter.ServiceId);
        Assert.NotNull(barrier);
        Assert.Equal(SyncState.Open, barrier.State);
        Assert.Equal(["fenced"], barrier.HeldGates);

        // Adds are delivered but held by the service until its barrier activates.
        Request(c, 1, new ReplicatedCounter.Add(5));
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, Counter(c[1]).Value);

        Assert.False(c[1].Node.OpenGate(ReplicatedCounter.ServiceId, "", "another gate", c.Now));
        Assert.True(c[1].Node.OpenGate(ReplicatedCounter.ServiceId, "", "fenced", c.Now));
        Assert.Equal(SyncState.Activated, barrier.State);
        Assert.Equal(5, Counter(c[1]).Value);
        // Node 2's barrier is its own: still held.
        Assert.Equal(0, Counter(c[2]).Value);
        Assert.True(c[2].Node.OpenGate(ReplicatedCounter.ServiceId, "", "fenced", c.Now));
        Assert.Equal(5, Counter(c[2]).Value);
    }

    [Fact]
    public void TheNextViewAbortsAnOpenBarrier_AndBeginsAnother()
    {
        var c = Cluster(3, holdGate: "fenced");
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));
        var first = c[1].Node.OpenBarrier(ReplicatedCounter.ServiceId)!;

        c.Crash(3);
        c.Run(TimeSpan.FromSeconds(3));
        Assert.Equal(2, c[1].Engine.CurrentView!.Members.Count);
        Assert.Equal(SyncState.Aborted, first.State);
        var second = c[1].Node.OpenBarrier(ReplicatedCounter.ServiceId)!;
        Assert.Equal(first.Epoch + 1, second.Epoch);
        Assert.Equal(2, second.Members.Count);
        Assert.Contains($"abort '' #{first.Epoch}", Counter(c[1]).BarrierLog);
    }

    [Fact]
    public void AnInNodeEndpointJoinsAGroup_ItsEventsGoToTheService_AndItsScopeGetsABarrier()
    {
        var c = Cluster(3, holdScopeGate: "ready");
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.Equal("Ok", Request(c, 1, new ReplicatedCounter.JoinGroup()));
        c.Run(TimeSpan.FromMilliseconds(200));

        var counter = Counter(c[1]);
        var joined = Assert.Single(counter.GroupEvents);
        Assert.Equal(GroupEventKind.MembershipChanged, joined.Kind);
        Assert.True(joined.Session < 0);
        Assert.DoesNotContain(c[1].GroupEvents, e => e.Session < 0);
        Assert.Contains(new GroupMember(new NodeId(1), 1), c[2].Groups.MembersOf(ReplicatedCounter.Group));

        var scope = c[1].Node.OpenBarrier(ReplicatedCounter.ServiceId, ReplicatedCounter.Group)!;
        Assert.Equal(1UL, scope.Epoch);
        Assert.Single(scope.Members);

        // The group's membership changes with no view change: the open barrier of that scope is aborted, a new one begins.
        var viewBefore = c[1].Engine.CurrentView!.Id;
        Request(c, 2, new ReplicatedCounter.JoinGroup());
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.Equal(viewBefore, c[1].Engine.CurrentView!.Id);
        Assert.Equal(SyncState.Aborted, scope.State);
        var next = c[1].Node.OpenBarrier(ReplicatedCounter.ServiceId, ReplicatedCounter.Group)!;
        Assert.Equal(2UL, next.Epoch);
        Assert.Equal(2, next.Members.Count);
        Assert.True(c[1].Node.OpenGate(ReplicatedCounter.ServiceId, ReplicatedCounter.Group, "ready", c.Now));
        Assert.Equal(SyncState.Activated, next.State);
        Assert.Equal(["init 'counters' #1", "abort 'counters' #1", "init 'counters' #2", "activate 'counters' #2"],
            counter.BarrierLog.Where(l => l.Contains("'counters'", StringComparison.Ordinal)));
    }

    [Fact]
    public void AMessageForAServiceThatDoesNotRunHere_IsCountedAndDropped()
    {
        var c = Cluster(3, runsCounter: id => id.Value != 3);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));
        Request(c, 1, new ReplicatedCounter.Add(4));
        c.Run(TimeSpan.FromMilliseconds(200));
        // Node 3 never sends its state, so the counters' barrier waits for it: a service that needs every member must
        // run on every member (the wire version is what the node checks for them).
        Assert.NotNull(c[2].Node.OpenBarrier(ReplicatedCounter.ServiceId));
        Assert.Equal(0, Counter(c[2]).Value);
        Assert.True(c[3].Node.UnknownServiceMessages >= 3);
        Assert.Single(c[3].NodeLogs, l => l.Contains("service 200", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => c[3].Node.Request(ReplicatedCounter.ServiceId, new ReplicatedCounter.Add(1), c.Now));
    }

    [Fact]
    public void ServicesWithOneId_AreRefused()
    {
        var options = new MembershipOptions { ClusterName = "t", Nodes = [new NodeId(1)] };
        var error = Assert.Throws<ArgumentException>(() => new ClusterNode(new MemberId(new NodeId(1), 1), options, 0,
            new SilentEffects(), services: [h => new ReplicatedCounter(h), h => new ReplicatedCounter(h)]));
        Assert.Contains("id 200, which is taken", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3u)] // the version-2 node is not the coordinator
    [InlineData(1u)] // the version-2 node coordinates (lowest id): it installs the view and runs the order
    public void AVersion2Member_KeepsTheViewAtVersion2_GroupsWork_NewServicesWaitForItToGo(uint oldNode)
    {
        var c = Cluster(3, perNode: (id, o) => id.Value == oldNode ? o with { MaxProtocolVersion = 2 } : o);
        c.StartAll();
        var view = c.RunUntilConverged(Converge);
        Assert.Equal(2, view.ProtocolVersion);
        c.Run(TimeSpan.FromMilliseconds(200));

        // The group layer is carried at version 2, in both directions and across fragments.
        uint newNode = oldNode == 3 ? 1u : 3u;
        Assert.Equal(GroupRequestResult.Ok, c[oldNode].Groups.Join("g", 1, 1));
        Assert.Equal(GroupRequestResult.Ok, c[newNode].Groups.Join("g", 2, 1));
        c.Collect(c[oldNode]);
        c.Collect(c[newNode]);
        c.Run(TimeSpan.FromMilliseconds(200));
        var big = Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray();
        Assert.Equal(GroupRequestResult.Ok, c[oldNode].Groups.Send("g", 1, 1, big));
        Assert.Equal(GroupRequestResult.Ok, c[newNode].Groups.Send("g", 2, 1, "small"u8));
        c.Collect(c[oldNode]);
        c.Collect(c[newNode]);
        c.Run(TimeSpan.FromMilliseconds(300));
        foreach (uint n in new[] { oldNode, newNode })
        {
            var messages = c[n].GroupEvents.Where(e => e.Kind == GroupEventKind.Message).ToList();
            Assert.Equal(2, messages.Count);
            Assert.Contains(messages, m => m.Payload.Span.SequenceEqual(big));
        }

        // A new service is off while the version-2 member is in the view: no ordered, no point-to-point messages.
        const uint other = 2;
        Assert.Equal("NotSupported", Request(c, other, new ReplicatedCounter.Add(1)));
        Assert.Equal("NotSupported", Request(c, other, new ReplicatedCounter.Query(new NodeId(newNode))));

        // Once it is gone, the view is of version 3 and the service runs.
        c.Crash(oldNode);
        c.Run(TimeSpan.FromSeconds(3));
        var after = c[other].Engine.CurrentView!;
        Assert.Equal(2, after.Members.Count);
        Assert.Equal(WireProtocol.ServiceVersion, after.ProtocolVersion);
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.Equal("Accepted", Request(c, other, new ReplicatedCounter.Add(3)));
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, Counter(c[newNode]).Value);
    }

    [Fact]
    public void ServiceMessagesQueuedBeforeAVersion2ViewForms_AreHandedBackToTheirService()
    {
        var c = Cluster(2, perNode: (id, o) => id.Value == 2 ? o with { MaxProtocolVersion = 2 } : o);
        // Before any view, node 1 queues a counter message and a group join; the first view is of version 2.
        Assert.Equal("Accepted", Request(c, 1, new ReplicatedCounter.Add(1)));
        Assert.Equal(GroupRequestResult.Ok, c[1].Groups.Join("g", 1, 1));
        c.StartAll();
        var view = c.RunUntilConverged(Converge);
        Assert.Equal(2, view.ProtocolVersion);
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.Contains(c[1].Events, e => e.Kind == MembershipEventKind.Returned && e.Service == ReplicatedCounter.ServiceId);
        Assert.Equal(0, Counter(c[1]).Value);
        Assert.Contains(new GroupMember(new NodeId(1), 1), c[2].Groups.MembersOf("g"));
    }
}
