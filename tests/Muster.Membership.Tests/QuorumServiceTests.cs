using Muster.Core;
using Muster.Node.Quorum;
using Muster.Node.Services;
using Muster.Wire;
using Xunit;

namespace Muster.Membership.Tests;

/// <summary>
/// The quorum service on the composed node, on the test cluster's virtual network: the recount at every view, the
/// nodeinfo round (a node that joins adopts the cluster's expected votes; wait_for_all lifted by a member), the
/// operators' changes with their refusals, the order of effects, and untrusted messages.
/// </summary>
public sealed class QuorumServiceTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(5);

    private static TestCluster Cluster(int nodes, Func<Dictionary<NodeId, int>, QuorumOptions>? options = null) =>
        new(nodes, services: _ =>
        [
            host => new QuorumService(host, Effective(nodes, options)),
        ]);

    private static EffectiveQuorumOptions Effective(int nodes, Func<Dictionary<NodeId, int>, QuorumOptions>? options)
    {
        var votes = Enumerable.Range(1, nodes).ToDictionary(i => new NodeId((uint)i), _ => 1);
        var verdict = QuorumOptionsCheck.Check(options?.Invoke(votes) ?? new QuorumOptions(votes));
        Assert.True(verdict.IsValid, string.Join("; ", verdict.Errors));
        return verdict.Effective!;
    }

    private static QuorumService Quorum(TestNode node) => (QuorumService)node.Node.Services[1];

    private static QuorumChangeResponse Change(TestCluster c, uint node, ServiceRequest request) =>
        (QuorumChangeResponse)c[node].Node.Request(ServiceId.Quorum, request, c.Now);

    [Fact]
    public void Three_nodes_are_quorate_and_agree_once_every_nodeinfo_is_in()
    {
        var c = Cluster(3);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));

        foreach (var n in c.Nodes.Values)
        {
            var q = Quorum(n).State;
            Assert.True(q.Quorate);
            Assert.True(q.Synced);
            Assert.Equal((3, 3, 2), (q.ExpectedVotes, q.TotalVotes, q.Quorum));
            Assert.All(q.Members, m => Assert.Equal(3, m.ExpectedVotes));
            Assert.Equal(n.Engine.CurrentView!.Id, q.View);
        }
    }

    [Fact]
    public void A_quorum_change_reaches_the_shell_after_the_view_change_that_caused_it()
    {
        var c = Cluster(3);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));
        c.Cut(3);
        c.Run(TimeSpan.FromSeconds(3));

        var timeline = c[3].Timeline;
        int alone = timeline.FindLastIndex(e => e is ViewChange v && v.View.Members.Count == 1);
        Assert.True(alone >= 0, "node 3 installed a view of its own");
        var next = timeline.Skip(alone + 1).OfType<QuorumChanged>().First();
        Assert.False(next.State.Quorate);
        Assert.Equal(((ViewChange)timeline[alone]).View.Id, next.State.View);
        // Nothing about that view came before the view itself.
        Assert.DoesNotContain(timeline.Take(alone).OfType<QuorumChanged>(), e => e.State.View == next.State.View);
        Assert.True(Quorum(c[1]).State.Quorate);
        Assert.Contains(c[3].NodeLogs, l => l.Contains("quorum lost", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_that_joins_adopts_the_clusters_expected_votes()
    {
        var c = Cluster(3);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));

        var set = Change(c, 1, new SetExpectedVotes(5, 0));
        Assert.True(set.Accepted, set.Message);
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.All(c.Nodes.Values, n => Assert.True(Quorum(n).State.ExpectedVotes == 5, $"{Quorum(n).State}; {string.Join(" | ", n.NodeLogs)}"));

        // Node 3 restarts with its configuration's 3 and is not quorate alone; joining, it takes the cluster's 5.
        c.Restart(3, 2);
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(300));
        var q = Quorum(c[3]).State;
        Assert.Equal(5, q.ExpectedVotes);
        Assert.Equal(3, q.Quorum);
        Assert.True(q.Quorate);
    }

    [Fact]
    public void An_inquorate_joiner_takes_a_lower_expected_votes_from_the_quorate_members()
    {
        // Five configured, three up: the operator tells the cluster to expect 3.
        var c = Cluster(5);
        foreach (uint id in new uint[] { 4, 5 })
        {
            c.Crash(id);
        }

        c.StartAll();
        c.Run(TimeSpan.FromSeconds(3));
        Assert.True(Quorum(c[1]).State.Quorate);
        Assert.True(Change(c, 1, new SetExpectedVotes(3, 0)).Accepted);
        c.Run(TimeSpan.FromMilliseconds(200));

        c.Restart(4, 2);
        c.Run(TimeSpan.FromSeconds(3));
        var q = Quorum(c[4]).State;
        Assert.Equal(4, q.TotalVotes);
        // Without adoption it would keep its configuration's 5.
        Assert.Equal(4, q.ExpectedVotes);
        Assert.True(q.Quorate);
    }

    [Fact]
    public void Wait_for_all_blocks_until_unblocked_and_a_restarted_node_learns_it_was_lifted()
    {
        var c = Cluster(3, votes => new QuorumOptions(votes, WaitForAll: true));
        c.Crash(3);
        c.StartAll();
        c.Run(TimeSpan.FromSeconds(3));
        var blocked = Quorum(c[1]).State;
        Assert.False(blocked.Quorate);
        Assert.Equal(QuorumReason.WaitingForAll, blocked.Reason);
        Assert.True(blocked.Flags.HasFlag(QuorumFlags.WaitingForAll));

        var unblock = Change(c, 2, new CancelWaitForAll(1000));
        Assert.True(unblock.Accepted);
        Assert.True(unblock.Override);
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.True(Quorum(c[1]).State.Quorate);
        Assert.True(Quorum(c[2]).State.Quorate);
        Assert.Contains(c[1].NodeLogs, l => l.Contains("wait_for_all lifted by uid 1000 on node 2", StringComparison.Ordinal));

        // Node 2 restarts: alone it would wait for all again; joining node 1 (quorate, lifted) it is lifted too.
        c.Restart(2, 2);
        c.Run(TimeSpan.FromSeconds(3));
        Assert.True(Quorum(c[2]).State.Quorate);
        Assert.False(Quorum(c[2]).State.Flags.HasFlag(QuorumFlags.WaitingForAll));
    }

    [Fact]
    public void Changes_are_refused_with_the_rule_they_break_and_change_nothing()
    {
        var c = Cluster(3, votes => new QuorumOptions(votes, WaitForAll: true, LastManStanding: true));
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));

        Assert.Contains("below the 3 votes present", Change(c, 1, new SetExpectedVotes(2, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("would make this quorate partition inquorate", Change(c, 1, new SetExpectedVotes(7, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("not in the configuration", Change(c, 1, new SetNodeVotes(new NodeId(9), 1, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("last_man_standing needs every node to have 1 vote", Change(c, 1, new SetNodeVotes(new NodeId(2), 2, 0)).Message,
            StringComparison.Ordinal);
        Assert.Contains("not blocking", Change(c, 1, new CancelWaitForAll(0)).Message, StringComparison.Ordinal);

        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.All(c.Nodes.Values, n => Assert.Equal((3, 3), (Quorum(n).State.ExpectedVotes, Quorum(n).State.TotalVotes)));
    }

    [Fact]
    public void A_nodes_votes_are_changed_on_every_member_in_order()
    {
        var c = Cluster(3);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));

        var result = Change(c, 2, new SetNodeVotes(new NodeId(1), 3, 42));
        Assert.True(result.Accepted, result.Message);
        c.Run(TimeSpan.FromMilliseconds(200));

        foreach (var n in c.Nodes.Values)
        {
            var q = Quorum(n).State;
            Assert.Equal((5, 5, 3), (q.TotalVotes, q.ExpectedVotes, q.Quorum));
            Assert.Equal(3, q.Members.Single(m => m.Node == new NodeId(1)).Votes);
        }

        // Taking node 1's votes away would leave 2 of 5: refused.
        Assert.Contains("would make this quorate partition inquorate", Change(c, 3, new SetNodeVotes(new NodeId(1), 0, 0)).Message,
            StringComparison.Ordinal);

        // Node 1 alone now holds 3 of 5: a majority.
        c.Cut(1);
        c.Run(TimeSpan.FromSeconds(3));
        Assert.True(Quorum(c[1]).State.Quorate);
        Assert.False(Quorum(c[2]).State.Quorate);
    }

    [Fact]
    public void Malformed_quorum_messages_are_counted_and_ignored()
    {
        var c = Cluster(3);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(200));
        var node = c[3].Node;
        var before = Quorum(c[3]).State;
        var sender = c[2].Engine.Self;

        node.Inject(MembershipEvent.Delivered(sender, 1, ServiceId.Quorum, [1]), c.Now);
        node.Inject(MembershipEvent.Delivered(sender, 2, ServiceId.Quorum, [9, 1, 0]), c.Now);
        node.Inject(MembershipEvent.Delivered(sender, 3, ServiceId.Quorum, [1, 1, 0xff, 0xff, 0, 0, 0, 0, 0]), c.Now);
        node.Inject(MembershipEvent.Delivered(sender, 4, ServiceId.Quorum, [2, 1, 1, 0, 0, 0, 0]), c.Now);
        node.Inject(MembershipEvent.Delivered(sender, 5, ServiceId.Quorum, [2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), c.Now);

        Assert.Equal(5, Quorum(c[3]).RejectedMessages);
        Assert.True(before.SameAs(Quorum(c[3]).State));
        Assert.Equal(5, c[3].NodeLogs.Count(l => l.Contains("rejected a quorum message from node 2", StringComparison.Ordinal)));
    }
}
