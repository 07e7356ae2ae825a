using Muster.Core;
using Muster.Node.Quorum;

namespace Muster.Membership.Tests;

// votequorum's option rules (votequorum_readconfig in exec/votequorum.c, votequorum(5)): what it refuses is an error
// naming both keys, what it only adjusts is a warning and the same adjustment.
public sealed class QuorumOptionsTests
{
    private static Dictionary<NodeId, int> Nodes(params int[] votes) =>
        votes.Select((v, i) => (new NodeId((uint)i + 1), v)).ToDictionary(p => p.Item1, p => p.v);

    private static EffectiveQuorumOptions Valid(QuorumOptions options)
    {
        var verdict = QuorumOptionsCheck.Check(options);
        Assert.True(verdict.IsValid, string.Join("; ", verdict.Errors));
        return verdict.Effective!;
    }

    private static string SingleError(QuorumOptions options)
    {
        var verdict = QuorumOptionsCheck.Check(options);
        Assert.False(verdict.IsValid);
        Assert.Null(verdict.Effective);
        return Assert.Single(verdict.Errors);
    }

    [Fact]
    public void Defaults_expect_the_sum_of_the_votes_with_every_option_off()
    {
        var verdict = QuorumOptionsCheck.Check(new QuorumOptions(Nodes(1, 1, 2)));

        Assert.Empty(verdict.Warnings);
        var e = verdict.Effective!;
        Assert.Equal(4, e.ExpectedVotes);
        Assert.False(e.TwoNode);
        Assert.False(e.WaitForAll);
        Assert.Null(e.AutoTieBreaker);
        Assert.Equal(TimeSpan.FromSeconds(10), e.LastManStandingWindow);
    }

    [Fact]
    public void Expected_votes_overrides_the_node_list_and_warns_when_lower()
    {
        var verdict = QuorumOptionsCheck.Check(new QuorumOptions(Nodes(1, 1, 1), ExpectedVotes: 2));

        Assert.Equal(2, verdict.Effective!.ExpectedVotes);
        Assert.Contains("quorum.expected_votes = 2", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
        Assert.Equal(5, Valid(new QuorumOptions(Nodes(1, 1, 1), ExpectedVotes: 5)).ExpectedVotes);
    }

    [Fact]
    public void Two_node_implies_wait_for_all_unless_set_explicitly()
    {
        Assert.True(Valid(new QuorumOptions(Nodes(1, 1), TwoNode: true)).WaitForAll);
        Assert.False(Valid(new QuorumOptions(Nodes(1, 1), TwoNode: true, WaitForAll: false)).WaitForAll);
        Assert.True(Valid(new QuorumOptions(Nodes(1, 1, 1), WaitForAll: true)).WaitForAll);
    }

    [Fact]
    public void Two_node_with_more_than_two_nodes_configured_is_off_with_a_warning()
    {
        var verdict = QuorumOptionsCheck.Check(new QuorumOptions(Nodes(1, 1, 1), TwoNode: true));

        Assert.False(verdict.Effective!.TwoNode);
        Assert.Contains("quorum.two_node is set but 3 nodes are configured", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("two_node", "quorum.two_node and [quorum.arbiter]")]
    [InlineData("last_man_standing", "quorum.last_man_standing and [quorum.arbiter]")]
    [InlineData("auto_tie_breaker", "quorum.auto_tie_breaker and [quorum.arbiter]")]
    [InlineData("allow_downscale", "quorum.allow_downscale and [quorum.arbiter]")]
    public void An_arbiter_is_refused_with_the_options_votequorum_refuses_beside_a_quorum_device(string option, string expected)
    {
        var options = new QuorumOptions(Nodes(1, 1, 1, 1), Arbiter: true, WaitForAll: true);
        options = option switch
        {
            "two_node" => options with { Votes = Nodes(1, 1), TwoNode = true },
            "last_man_standing" => options with { LastManStanding = true },
            "auto_tie_breaker" => options with { AutoTieBreaker = TieBreaker.Lowest },
            _ => options with { AllowDownscale = true },
        };

        Assert.StartsWith(expected, SingleError(options), StringComparison.Ordinal);
        // Without the arbiter the same option is accepted.
        Assert.True(QuorumOptionsCheck.Check(options with { Arbiter = false }).IsValid);
    }

    [Fact]
    public void Last_man_standing_with_a_node_of_more_than_one_vote_is_refused_naming_the_node()
    {
        string error = SingleError(new QuorumOptions(Nodes(1, 2, 1), LastManStanding: true, WaitForAll: true));

        Assert.Equal("quorum.last_man_standing and [[node]] votes: last man standing needs 1 vote per node, but node 2 has more", error);
    }

    [Fact]
    public void Last_man_standing_without_wait_for_all_warns()
    {
        var verdict = QuorumOptionsCheck.Check(new QuorumOptions(Nodes(1, 1, 1), LastManStanding: true));

        Assert.True(verdict.Effective!.LastManStanding);
        Assert.StartsWith("quorum.last_man_standing without quorum.wait_for_all", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_node_and_auto_tie_breaker_turn_two_node_off_with_a_warning()
    {
        var verdict = QuorumOptionsCheck.Check(new QuorumOptions(Nodes(1, 1), TwoNode: true, AutoTieBreaker: TieBreaker.Lowest));

        var e = verdict.Effective!;
        Assert.False(e.TwoNode);
        // wait_for_all came only from two_node, so it goes with it.
        Assert.False(e.WaitForAll);
        Assert.Equal(TieBreaker.Lowest, e.AutoTieBreaker);
        Assert.StartsWith("quorum.two_node and quorum.auto_tie_breaker", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_tie_breaker_in_an_odd_cluster_needs_wait_for_all()
    {
        var off = QuorumOptionsCheck.Check(new QuorumOptions(Nodes(1, 1, 1), AutoTieBreaker: TieBreaker.Lowest));
        Assert.Null(off.Effective!.AutoTieBreaker);
        Assert.StartsWith("quorum.auto_tie_breaker is set in a cluster of odd expected votes", Assert.Single(off.Warnings), StringComparison.Ordinal);

        Assert.Equal(TieBreaker.Lowest, Valid(new QuorumOptions(Nodes(1, 1, 1), WaitForAll: true, AutoTieBreaker: TieBreaker.Lowest)).AutoTieBreaker);
        Assert.Equal(TieBreaker.Lowest, Valid(new QuorumOptions(Nodes(1, 1, 1, 1), AutoTieBreaker: TieBreaker.Lowest)).AutoTieBreaker);
    }

    [Fact]
    public void Auto_tie_breaker_and_last_man_standing_in_an_odd_cluster_without_wait_for_all_are_refused()
    {
        string error = SingleError(new QuorumOptions(Nodes(1, 1, 1), LastManStanding: true, AutoTieBreaker: TieBreaker.Lowest));

        Assert.StartsWith("quorum.auto_tie_breaker and quorum.last_man_standing", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tie_breaker_list_must_name_configured_nodes()
    {
        var list = new TieBreaker(TieBreakerKind.List, [new NodeId(2), new NodeId(9)]);

        Assert.Equal("quorum.auto_tie_breaker_node: node 9 is not in the node list",
            SingleError(new QuorumOptions(Nodes(1, 1, 1, 1), AutoTieBreaker: list)));
        Assert.StartsWith("quorum.auto_tie_breaker_node: the node list is empty",
            SingleError(new QuorumOptions(Nodes(1, 1, 1, 1), AutoTieBreaker: new TieBreaker(TieBreakerKind.List, []))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tie_breaker_node_without_auto_tie_breaker_warns()
    {
        var verdict = QuorumOptionsCheck.Check(new QuorumOptions(Nodes(1, 1, 1, 1), TieBreakerNodeWithoutAutoTieBreaker: true));

        Assert.StartsWith("quorum.auto_tie_breaker_node is set but quorum.auto_tie_breaker is off", Assert.Single(verdict.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_numbers_are_refused_naming_the_key()
    {
        Assert.StartsWith("quorum.expected_votes: 0", SingleError(new QuorumOptions(Nodes(1, 1), ExpectedVotes: 0)), StringComparison.Ordinal);
        Assert.StartsWith("[[node]] votes: node 2 has -1 votes", SingleError(new QuorumOptions(Nodes(1, -1))), StringComparison.Ordinal);
        Assert.StartsWith("quorum.last_man_standing_window",
            SingleError(new QuorumOptions(Nodes(1, 1, 1), WaitForAll: true, LastManStanding: true, LastManStandingWindow: TimeSpan.Zero)), StringComparison.Ordinal);
        Assert.StartsWith("[[node]]: no node is configured", SingleError(new QuorumOptions(Nodes())), StringComparison.Ordinal);
    }
}
