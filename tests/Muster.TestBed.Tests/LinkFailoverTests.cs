using Muster.Client;

namespace Muster.TestBed.Tests;

[Collection(TestBedCollection.Name)]
public class LinkFailoverTests
{
    private static LinkInfo LinkTo(LinkReport links, uint peer, int index) =>
        links.Peers.Single(p => p.Node.Value == peer).Links.Single(l => l.Index == index);

    /// <summary>
    /// Two networks, so two links per node. Pulling node 3's cable on the preferred network moves its traffic to the
    /// other link, faster than failure detection: no view change, no group membership change, and every message of
    /// the group traffic that runs throughout is delivered in order. Plugging it back in brings the link back.
    /// </summary>
    [Fact]
    public async Task LinkDown_FailsOverToTheOtherLink_WithoutAViewChange_AndComesBack()
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions { Nodes = 3, Networks = 2 });
        await using var _ = cluster;
        await using var __ = board;
        await using var client = await cluster.ConnectAsync(1, Bed.Step, Bed.Token);

        async Task<LinkReport> WaitForLinksAsync(Func<LinkReport, bool> condition, string what)
        {
            var deadline = DateTime.UtcNow + Bed.Step;
            while (true)
            {
                var links = await client.GetLinksAsync(Bed.Token);
                if (condition(links))
                {
                    return links;
                }

                Assert.True(DateTime.UtcNow < deadline, $"links never showed {what}: {string.Join("; ", links.Peers.SelectMany(p =>
                    p.Links.Select(l => $"n{p.Node} link{l.Index} up={l.Up} inUse={l.InUse}")))}");
                await Task.Delay(TimeSpan.FromMilliseconds(50), Bed.Token);
            }
        }

        await WaitForLinksAsync(l => l.Peers.All(p => p.Links.Count == 2 && p.Links.All(x => x.Up)), "every link up");
        var all = cluster.Nodes.Select(n => n.Index).ToList();
        await using var traffic = await GroupTraffic.JoinAsync(cluster, "failover", all, Bed.Step, Bed.Token);
        var changesBefore = board.Changes;
        var sending = traffic.SendAsync(300, TimeSpan.FromSeconds(12), Bed.Token);

        await Task.Delay(TimeSpan.FromSeconds(2), Bed.Token); // let traffic flow on link 0 first (pacing, not synchronisation)
        cluster.Link(3, network: 1).Down();
        var failedOver = await WaitForLinksAsync(l => !LinkTo(l, 3, 0).Up && LinkTo(l, 3, 1).InUse, "node 3's link 0 down and link 1 in use");
        Assert.True(LinkTo(failedOver, 3, 0).DownTransitions >= 1);
        Assert.True(LinkTo(failedOver, 2, 0).Up, "node 2's link 0 was not cut and must stay up");

        await sending;
        await traffic.WaitForDeliveryAsync(Bed.Step, Bed.Token);
        Assert.Empty(traffic.Check());
        Assert.Equal(changesBefore, board.Changes);
        Assert.Empty(traffic.MembershipChangesAfterJoin());

        cluster.Link(3, network: 1).Up();
        await WaitForLinksAsync(l => LinkTo(l, 3, 0).Up && LinkTo(l, 3, 0).InUse, "node 3's link 0 back and preferred again");
        Assert.Equal(changesBefore, board.Changes);
    }

    /// <summary>
    /// The second link on IPv6 link-local addresses with an interface scope (fe80::…%eth1): it is probed and comes up,
    /// and when node 3's IPv4 link is pulled its traffic fails over to the link-local one without a view change.
    /// </summary>
    [Fact]
    public async Task LinkLocalIpv6SecondLink_ComesUp_AndCarriesTheFailover()
    {
        Bed.RequireOrSkip();
        using var cluster = NetnsCluster.Create(new TestBedOptions { Nodes = 3, Networks = 2 });
        cluster.UseLinkLocalSecondNetwork();
        cluster.StartAll();
        await using var board = await ViewBoard.StartAsync(cluster, Bed.Step, Bed.Token);
        await board.WaitForViewAsync([1, 2, 3], Bed.Step, Bed.Token);
        await using var client = await cluster.ConnectAsync(1, Bed.Step, Bed.Token);

        var deadline = DateTime.UtcNow + Bed.Step;
        LinkReport links;
        while (!(links = await client.GetLinksAsync(Bed.Token)).Peers.All(p => p.Links.Count == 2 && p.Links.All(l => l.Up)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the link-local links never came up");
            await Task.Delay(TimeSpan.FromMilliseconds(50), Bed.Token);
        }

        Assert.All(links.Peers, p => Assert.StartsWith("[fe80::", p.Links[1].RemoteEndpoint, StringComparison.Ordinal));
        var changesBefore = board.Changes;
        cluster.Link(3, network: 1).Down();
        deadline = DateTime.UtcNow + Bed.Step;
        while (!((links = await client.GetLinksAsync(Bed.Token)) is var l && !LinkTo(l, 3, 0).Up && LinkTo(l, 3, 1).InUse))
        {
            Assert.True(DateTime.UtcNow < deadline, "node 3's traffic never moved to the link-local link");
            await Task.Delay(TimeSpan.FromMilliseconds(50), Bed.Token);
        }

        // Ordered traffic to node 3 now crosses the link-local link only.
        await using var traffic = await GroupTraffic.JoinAsync(cluster, "linklocal", [1, 2, 3], Bed.Step, Bed.Token);
        await traffic.SendAsync(200, TimeSpan.FromSeconds(3), Bed.Token);
        await traffic.WaitForDeliveryAsync(Bed.Step, Bed.Token);
        Assert.Empty(traffic.Check());
        Assert.Equal(changesBefore, board.Changes);
    }
}
