using Muster.Core;
using Muster.Node.Quorum;

namespace Muster.Membership.Tests;

// votequorum's arithmetic: quorum = max(expected / 2 + 1, total / 2 + 1), expected votes rising to the votes seen,
// two_node, wait_for_all and the auto tie-breaker on an even split.
public sealed class QuorumCalculationTests
{
    private static NodeId[] Ids(params uint[] ids) => [.. ids.Select(i => new NodeId(i))];

    private static EffectiveQuorumOptions Options(QuorumOptions options)
    {
        var verdict = QuorumOptionsCheck.Check(options);
        Assert.True(verdict.IsValid, string.Join("; ", verdict.Errors));
        return verdict.Effective!;
    }

    private static QuorumOptions Cluster(int nodes, int votes = 1) =>
        new(Enumerable.Range(1, nodes).ToDictionary(i => new NodeId((uint)i), _ => votes));

    [Theory]
    [InlineData(3, 3, 2)]
    [InlineData(4, 4, 3)]
    [InlineData(5, 5, 3)]
    [InlineData(5, 2, 3)]
    [InlineData(8, 9, 5)]
    [InlineData(1, 1, 1)]
    public void Majority_is_a_strict_majority_of_the_larger_of_expected_and_total(int expected, int total, int quorum) =>
        Assert.Equal(quorum, QuorumCalculation.Majority(expected, total));

    [Fact]
    public void Three_nodes_a_partition_of_two_is_quorate_and_one_alone_is_not()
    {
        var options = Options(Cluster(3));

        var two = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2), Ids(1, 2, 3), 3, false));
        var one = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(3), Ids(1, 2, 3), 3, false));

        Assert.Equal(new QuorumStatus(2, 3, 2, true, false, QuorumReason.EnoughVotes), two);
        Assert.Equal(new QuorumStatus(1, 3, 2, false, false, QuorumReason.NotEnoughVotes), one);
    }

    [Fact]
    public void Weighted_votes_count_as_votes_not_nodes()
    {
        var options = Options(new QuorumOptions(new Dictionary<NodeId, int> { [new(1)] = 3, [new(2)] = 1, [new(3)] = 1 }));

        Assert.True(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1), [], 5, false)).Quorate);
        Assert.False(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(2, 3), [], 5, false)).Quorate);
    }

    [Fact]
    public void Expected_votes_rise_to_the_votes_seen_and_raise_quorum()
    {
        var options = Options(new QuorumOptions(Cluster(4).Votes, ExpectedVotes: 2));

        var status = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2, 3, 4), [], 2, false));
        Assert.Equal(4, status.ExpectedVotes);
        Assert.Equal(3, status.Quorum);
        // Fed back in, they do not fall when nodes go.
        var after = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2), Ids(1, 2, 3, 4), status.ExpectedVotes, false));
        Assert.Equal(4, after.ExpectedVotes);
        Assert.False(after.Quorate);
    }

    [Fact]
    public void Two_node_keeps_one_node_quorate_but_only_after_wait_for_all_has_seen_both()
    {
        var options = Options(new QuorumOptions(Cluster(2).Votes, TwoNode: true));

        var alone = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1), [], 2, WaitingForAll: true));
        Assert.Equal(new QuorumStatus(1, 2, 1, false, true, QuorumReason.WaitingForAll), alone);

        var both = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2), [], 2, WaitingForAll: true));
        Assert.True(both.Quorate);
        Assert.False(both.WaitingForAll);

        var afterFailure = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(2), Ids(1, 2), 2, both.WaitingForAll));
        Assert.Equal(new QuorumStatus(1, 2, 1, true, false, QuorumReason.TwoNode), afterFailure);
    }

    [Fact]
    public void Without_two_node_a_two_node_cluster_needs_both()
    {
        var options = Options(Cluster(2));

        Assert.False(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(2), Ids(1, 2), 2, false)).Quorate);
    }

    [Fact]
    public void Wait_for_all_blocks_a_majority_until_every_node_has_been_seen_once()
    {
        var options = Options(new QuorumOptions(Cluster(3).Votes, WaitForAll: true));

        Assert.Equal(QuorumReason.WaitingForAll, QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2), [], 3, true)).Reason);
        var all = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2, 3), [], 3, true));
        Assert.True(all.Quorate);
        Assert.False(all.WaitingForAll);
        Assert.True(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2), Ids(1, 2, 3), 3, all.WaitingForAll)).Quorate);
    }

    [Theory]
    [InlineData(TieBreakerKind.Lowest, new uint[] { 1, 2 }, true)]
    [InlineData(TieBreakerKind.Lowest, new uint[] { 3, 4 }, false)]
    [InlineData(TieBreakerKind.Highest, new uint[] { 1, 2 }, false)]
    [InlineData(TieBreakerKind.Highest, new uint[] { 3, 4 }, true)]
    public void Auto_tie_breaker_gives_an_even_split_to_exactly_one_side(TieBreakerKind kind, uint[] side, bool quorate)
    {
        var options = Options(Cluster(4) with { AutoTieBreaker = new TieBreaker(kind, []) });
        var other = Ids(1, 2, 3, 4).Except(Ids(side)).ToArray();

        var mine = QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(side), Ids(1, 2, 3, 4), 4, false));
        var theirs = QuorumCalculation.Evaluate(options, new QuorumInputs(other, Ids(1, 2, 3, 4), 4, false));

        Assert.Equal(quorate, mine.Quorate);
        Assert.NotEqual(mine.Quorate, theirs.Quorate);
        Assert.Equal(QuorumReason.TieBreaker, (mine.Quorate ? mine : theirs).Reason);
    }

    [Fact]
    public void Auto_tie_breaker_list_takes_the_first_listed_node()
    {
        var list = new TieBreaker(TieBreakerKind.List, Ids(3, 4, 1));
        var options = Options(Cluster(4) with { AutoTieBreaker = list });

        // Node 3 decides even where this node's last quorate view did not have it: the other half may remember it.
        Assert.False(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 4), Ids(1, 2, 4), 4, false)).Quorate);
        Assert.True(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(2, 3), Ids(1, 2, 4), 4, false)).Quorate);
    }

    [Fact]
    public void Auto_tie_breaker_applies_to_exactly_half_and_is_chosen_from_the_configuration()
    {
        var options = Options(Cluster(4) with { AutoTieBreaker = TieBreaker.Lowest });

        // A quarter is not half.
        Assert.False(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1), Ids(1, 2, 3, 4), 4, false)).Quorate);
        // Never quorate before: node 1 is still the lowest configured node, so this half holds it.
        Assert.Equal(QuorumReason.TieBreaker, QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(1, 2), [], 4, false)).Reason);
        // Seed 915 of the simulator: a half whose last quorate view lacked node 1 (its lowest was 3) is not quorate.
        Assert.False(QuorumCalculation.Evaluate(options, new QuorumInputs(Ids(3, 4), Ids(2, 3, 4), 4, false)).Quorate);
    }
}
