namespace Muster.TestBed.Tests;

[Collection(TestBedCollection.Name)]
public class PartitionTests
{
    /// <summary>
    /// n1's packets to n2 are dropped (n1 hears n2, n2 does not hear n1). The cluster must settle into views in which
    /// every member hears every other both ways, and then stay put for 30 s. Healing then merges everything.
    /// Timing profile <c>test</c> (busy CI machine).
    /// This test found a real flapping (n3 alternated between [1,3] and [2,3] about every 2 s); fixed in the engine:
    /// a member ignores a proposal that leaves out a lower member of its view it hears both ways right now
    /// (docs/protocol.md §4, "Asymmetric links").
    /// </summary>
    /// <remarks>Both directions: with n2's packets to n1 dropped, n2 used to propose {2,3} every second for ever.</remarks>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    public async Task AsymmetricPartition_SettlesIntoViewsWhoseMembersHearEachOtherBothWays_ThenNoViewChangeFor30s(int from, int to)
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions { Nodes = 3 });
        await using var _ = cluster;
        await using var __ = board;

        cluster.Blackhole(from, to, oneWay: true);
        await board.WaitUntilAsync(b => Settled(cluster, b), Bed.Step, "views whose members hear each other both ways", Bed.Token);

        var changes = await board.ChangesDuringAsync(TimeSpan.FromSeconds(30), Bed.Token);
        Assert.True(changes.Count == 0, $"view changes after settling:\n{string.Join('\n', changes)}\n{board.Describe()}");
        Assert.True(Settled(cluster, board), board.Describe());
        // n1 and n2 cannot share a view.
        Assert.DoesNotContain(2, board.MembersOf(1));

        cluster.Heal();
        await board.WaitForViewAsync([1, 2, 3], Bed.Step, Bed.Token);
    }

    /// <summary>
    /// A 3|2 partition forms two views, which merge into one when healed; with 10 ms of jitter on every datagram
    /// (the transport's test-only fault layer), so that messages cross and reorder during the view changes.
    /// </summary>
    [Fact]
    public async Task ThreeTwoPartition_FormsTwoViews_ThatMergeWhenHealed_UnderJitter()
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions
        {
            Nodes = 5,
            TransportFaults = "delay=1ms,jitter=10ms,reorder=2%,seed=32",
        });
        await using var _ = cluster;
        await using var __ = board;
        // The fault layer is really on in every daemon (it says so loudly at start).
        Assert.All(cluster.Nodes, n => Assert.Contains("TEST-ONLY FAULT INJECTION IS ON", File.ReadAllText(n.LogPath), StringComparison.Ordinal));
        var formed = board.Views[1].ViewId;

        cluster.Partition(1, 2, 3);
        await board.WaitUntilAsync(b => b.AllSee(1, 2, 3) && b.AllSee(4, 5), Bed.Step, "views [1,2,3] and [4,5]", Bed.Token);
        Assert.True(board.Views[1].ViewId > formed);

        cluster.Heal();
        await board.WaitForViewAsync([1, 2, 3, 4, 5], Bed.Step, Bed.Token);
    }

    /// <summary>Pulling a node's cable isolates it (a view on each side); putting it back merges them again.</summary>
    [Fact]
    public async Task LinkDown_IsolatesTheNode_AndLinkUpMergesItBack()
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions { Nodes = 3 });
        await using var _ = cluster;
        await using var __ = board;

        cluster.Link(3).Down();
        await board.WaitUntilAsync(b => b.AllSee(1, 2) && b.AllSee(3), Bed.Step, "views [1,2] and [3]", Bed.Token);

        cluster.Link(3).Up();
        await board.WaitForViewAsync([1, 2, 3], Bed.Step, Bed.Token);
    }

    // Every running node's view: it is in it, every pair in it hears each other both ways, and every member of it
    // has installed that same view.
    private static bool Settled(NetnsCluster cluster, ViewBoard board)
    {
        var views = board.Views;
        foreach (var node in cluster.Nodes.Where(n => n.Running))
        {
            if (!views.TryGetValue(node.Index, out var view))
            {
                return false;
            }

            var members = board.MembersOf(node.Index);
            if (!members.Contains(node.Index) ||
                members.Any(a => members.Any(b => !cluster.Reaches(a, b))) ||
                members.Any(m => !views.TryGetValue(m, out var other) || other.ViewId != view.ViewId))
            {
                return false;
            }
        }

        return true;
    }
}
