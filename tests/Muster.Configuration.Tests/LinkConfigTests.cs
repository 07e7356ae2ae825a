using System.Net;

namespace Muster.Configuration.Tests;

public class LinkConfigTests
{
    // Lines 1-10: two nodes with two links each. Tests append tables after it (line 11 onwards).
    private const string TwoLinks =
        """
        [cluster]
        name = "demo"
        [[node]]
        id = 1
        name = "node1"
        addresses = ["10.0.0.1", "10.1.0.1"]
        [[node]]
        id = 2
        name = "node2"
        addresses = ["10.0.0.2", "10.1.0.2"]
        """;

    [Fact]
    public void Defaults_PassiveEqualPriorities1500Mtu_ProbeAtHeartbeat_TimeoutBelowFailureTimeout()
    {
        ClusterConfig c = TestConfig.Parse(TwoLinks);
        Assert.Equal(LinkMode.Passive, c.Links.Mode);
        Assert.Equal(2, c.LinkCount);
        Assert.Equal(0, c.Links.PriorityOf(0));
        Assert.Equal(1500, c.Links.MtuOf(1));
        Assert.Equal(TimeSpan.FromMilliseconds(100), c.Links.EffectiveProbeInterval(c.Timing));
        Assert.Equal(TimeSpan.FromMilliseconds(300), c.Links.EffectiveLinkTimeout(c.Timing));
        // 1500 - 28 is more than limits.max_datagram_size, which stays the cap.
        Assert.Equal(1400, c.DatagramBudget);
    }

    [Fact]
    public void EverySetting_IsRead_AndWrittenBack()
    {
        ClusterConfig c = TestConfig.Parse(TwoLinks + """

            [limits]
            max_datagram_size = 9000
            [links]
            mode = "active"
            priority = [1, 5]
            mtu = [9000, 1280]
            probe_interval = "50ms"
            link_timeout = "200ms"
            """);
        Assert.Equal(LinkMode.Active, c.Links.Mode);
        Assert.Equal([1, 5], c.Links.Priorities);
        Assert.Equal(TimeSpan.FromMilliseconds(50), c.Links.ProbeInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(200), c.Links.EffectiveLinkTimeout(c.Timing));
        Assert.Equal(8972, c.LinkDatagramBudget(0));
        Assert.Equal(1252, c.LinkDatagramBudget(1));
        Assert.Equal(1252, c.DatagramBudget);
        Assert.Equal(c, ConfigLoader.Parse(ConfigWriter.Write(c), "written.toml"));
    }

    [Fact]
    public void DefaultsWrittenOut_ReadBackEqual()
    {
        ClusterConfig c = TestConfig.Parse(TwoLinks);
        string text = ConfigWriter.Write(c);
        Assert.Contains("# probe_interval = (default", text, StringComparison.Ordinal);
        Assert.Equal(c, ConfigLoader.Parse(text, "written.toml"));
    }

    [Fact]
    public void OneMtu_AppliesToEveryLink_AndIpv6CostsMoreHeaders()
    {
        ClusterConfig c = TestConfig.Parse("""
            [cluster]
            name = "demo"
            [[node]]
            id = 1
            name = "node1"
            addresses = ["10.0.0.1", "[fd00::1]:5405"]
            [[node]]
            id = 2
            name = "node2"
            addresses = ["10.0.0.2", "[fd00::2]:5405"]
            [limits]
            max_datagram_size = 9000
            [links]
            mtu = 1500
            """);
        Assert.Equal(1472, c.LinkDatagramBudget(0));
        Assert.Equal(1452, c.LinkDatagramBudget(1));
        Assert.Equal(1452, c.DatagramBudget);
    }

    [Fact]
    public void NodesWithDifferentAddressCounts_NameTheNodeAndItsLine()
    {
        var ex = TestConfig.Fails("""
            [cluster]
            name = "demo"
            [[node]]
            id = 1
            name = "node1"
            addresses = ["10.0.0.1", "10.1.0.1"]
            [[node]]
            id = 2
            name = "node2"
            addresses = ["10.0.0.2"]
            """, "node[1].addresses", 10);
        Assert.Contains("node 2 \"node2\" lists 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("one address per link", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownMode_NamesKeyAndLine() =>
        TestConfig.Fails(TwoLinks + "\n[links]\nmode = \"broadcast\"\n", "links.mode", 12);

    [Fact]
    public void PriorityCountMustMatchLinks() =>
        Assert.Contains("one per link", TestConfig.Fails(TwoLinks + "\n[links]\npriority = [1, 2, 3]\n", "links.priority", 12).Message,
            StringComparison.Ordinal);

    [Fact]
    public void PriorityOutOfRange_NamesTheLink() =>
        Assert.Contains("(link 1)", TestConfig.Fails(TwoLinks + "\n[links]\npriority = [1, 256]\n", "links.priority", 12).Message,
            StringComparison.Ordinal);

    [Fact]
    public void MtuTooSmall_IsAnError() =>
        TestConfig.Fails(TwoLinks + "\n[links]\nmtu = 500\n", "links.mtu", 12);

    [Fact]
    public void PriorityMustBeAnArray() =>
        TestConfig.Fails(TwoLinks + "\n[links]\npriority = 3\n", "links.priority", 12);

    [Fact]
    public void ProbeIntervalBelow10ms_IsAnError() =>
        Assert.Contains("at least 10ms", TestConfig.Fails(TwoLinks + "\n[links]\nprobe_interval = \"2ms\"\n", "links.probe_interval", 12).Message,
            StringComparison.Ordinal);

    [Fact]
    public void LinkTimeoutBelowTwoProbes_IsAnError() =>
        TestConfig.Fails(TwoLinks + "\n[links]\nprobe_interval = \"100ms\"\nlink_timeout = \"150ms\"\n", "links.link_timeout", 13);

    [Fact]
    public void LinkTimeoutNotBelowFailureTimeout_NamesAllThreeValues()
    {
        var ex = TestConfig.Fails(TwoLinks + "\n[links]\nlink_timeout = \"550ms\"\n", "links.link_timeout", 12);
        Assert.Contains("timing.failure_timeout", ex.Message, StringComparison.Ordinal);
        Assert.Contains("600ms", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithOneLink_TheFailoverRulesDoNotApply()
    {
        // Nothing to fail over to; an older single-address file with a short failure timeout stays valid.
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal + "\n[timing]\nfailure_timeout = \"300ms\"\n");
        Assert.Equal(1, c.LinkCount);
    }

    [Fact]
    public void ShortFailureTimeout_ShortensTheDefaultLinkTimeout()
    {
        ClusterConfig c = TestConfig.Parse(TwoLinks + "\n[timing]\nfailure_timeout = \"450ms\"\n");
        Assert.Equal(TimeSpan.FromMilliseconds(250), c.Links.EffectiveLinkTimeout(c.Timing));
    }

    [Fact]
    public void BuiltInCode_IsValidated()
    {
        var c = new ClusterConfig
        {
            ClusterName = "x",
            Nodes = [new NodeConfig(1, "a", [IPEndPoint.Parse("10.0.0.1:1"), IPEndPoint.Parse("10.1.0.1:1")])],
            Links = new LinkOptions { Mtu = [1500, 1500, 1500] },
        };
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(c));
        Assert.Equal("links.mtu", ex.Key);
    }
}
