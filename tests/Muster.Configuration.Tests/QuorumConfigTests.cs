namespace Muster.Configuration.Tests;

public class QuorumConfigTests
{
    // Lines 1-10: two nodes. Tests append tables after it (line 11 onwards).
    private const string TwoNodes =
        """
        [cluster]
        name = "demo"
        [[node]]
        id = 1
        name = "node1"
        addresses = ["10.0.0.1"]
        [[node]]
        id = 2
        name = "node2"
        addresses = ["10.0.0.2"]
        """;

    [Fact]
    public void Defaults_OneVotePerNode_NoOption()
    {
        ClusterConfig c = TestConfig.Parse(TwoNodes);
        Assert.All(c.Nodes, n => Assert.Equal(1, n.Votes));
        Assert.Equal(new QuorumConfig(), c.Quorum);
        Assert.Null(c.Quorum.ExpectedVotes);
        Assert.Null(c.Quorum.WaitForAll);
    }

    [Fact]
    public void EverySetting_IsRead_AndWrittenBack()
    {
        ClusterConfig c = TestConfig.Parse(TwoNodes.Replace("addresses = [\"10.0.0.2\"]", "addresses = [\"10.0.0.2\"]\nvotes = 3", StringComparison.Ordinal) +
            """

            [quorum]
            expected_votes = 5
            two_node = false
            wait_for_all = true
            last_man_standing = false
            last_man_standing_window = "20s"
            auto_tie_breaker = true
            auto_tie_breaker_node = [2, 1]
            allow_downscale = true
            """);
        Assert.Equal(3, c.Nodes[1].Votes);
        Assert.Equal(5, c.Quorum.ExpectedVotes);
        Assert.True(c.Quorum.WaitForAll);
        Assert.Equal(TimeSpan.FromSeconds(20), c.Quorum.LastManStandingWindow);
        Assert.True(c.Quorum.AutoTieBreaker);
        Assert.Equal(TieBreakerRule.List, c.Quorum.TieBreakerNode);
        Assert.Equal([2u, 1u], c.Quorum.TieBreakerNodes);
        Assert.True(c.Quorum.AllowDownscale);
        Assert.Equal(c, ConfigLoader.Parse(ConfigWriter.Write(c), "written.toml"));

        ClusterConfig highest = TestConfig.Parse(TwoNodes + "\n[quorum]\ntwo_node = true\nauto_tie_breaker_node = \"highest\"");
        Assert.True(highest.Quorum.TwoNode);
        Assert.Equal(TieBreakerRule.Highest, highest.Quorum.TieBreakerNode);
        Assert.Equal(highest, ConfigLoader.Parse(ConfigWriter.Write(highest), "written.toml"));
    }

    [Fact]
    public void Writer_WritesVotesAndQuorumOnlyWhereTheyDiffer_AndTheOtherDefaultsAsComments()
    {
        // A file of defaults stays readable by a build from before [quorum] (a rolling upgrade shares one file).
        string plain = ConfigWriter.Write(TestConfig.Parse(TwoNodes));
        Assert.DoesNotContain("\nvotes = ", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("[quorum]", plain, StringComparison.Ordinal);

        string text = ConfigWriter.Write(TestConfig.Parse(TwoNodes + "\n[quorum]\nallow_downscale = true"));
        Assert.Contains("[quorum]", text, StringComparison.Ordinal);
        Assert.Contains("# expected_votes = (default: the sum of the nodes' votes)", text, StringComparison.Ordinal);
        Assert.Contains("# wait_for_all = (default: the value of two_node)", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[quorum]\nexpected_votes = 0", "quorum.expected_votes", "out of range")]
    [InlineData("[quorum]\nexpected_votes = \"3\"", "quorum.expected_votes", "write it without quotes")]
    [InlineData("[quorum]\ntwo_node = 1", "quorum.two_node", "true or false")]
    [InlineData("[quorum]\nlast_man_standing_window = 10", "quorum.last_man_standing_window", "needs a unit")]
    [InlineData("[quorum]\nauto_tie_breaker_node = \"middle\"", "quorum.auto_tie_breaker_node", "is not a tie-breaker")]
    [InlineData("[quorum]\nauto_tie_breaker_node = []", "quorum.auto_tie_breaker_node", "is empty")]
    [InlineData("[quorum]\nauto_tie_breaker_node = [0]", "quorum.auto_tie_breaker_node", "is not a node id")]
    [InlineData("[quorum]\nauto_tie_breaker_node = true", "quorum.auto_tie_breaker_node", "\"lowest\", \"highest\" or a list")]
    [InlineData("[quorum]\ntwonode = true", "quorum.twonode", "did you mean \"two_node\"")]
    public void BadValues_NameTheKeyAndLine(string table, string key, string message)
    {
        var ex = TestConfig.Fails(TwoNodes + "\n" + table, key, 12);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NodeVotes_OutOfRange_OrAllZero_AreRefused()
    {
        var ex = TestConfig.Fails(TwoNodes.Replace("addresses = [\"10.0.0.2\"]", "addresses = [\"10.0.0.2\"]\nvotes = 256", StringComparison.Ordinal),
            "node[1].votes", 11);
        Assert.Contains("out of range (expected 0..255)", ex.Message, StringComparison.Ordinal);

        string zero = TwoNodes.Replace("addresses = [\"10.0.0.1\"]", "addresses = [\"10.0.0.1\"]\nvotes = 0", StringComparison.Ordinal)
            .Replace("addresses = [\"10.0.0.2\"]", "addresses = [\"10.0.0.2\"]\nvotes = 0", StringComparison.Ordinal);
        ex = TestConfig.Fails(zero, "node[0].votes", 7);
        Assert.Contains("every node has 0 votes", ex.Message, StringComparison.Ordinal);
    }
}
