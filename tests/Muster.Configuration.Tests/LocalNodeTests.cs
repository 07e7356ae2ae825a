using System.Net;

namespace Muster.Configuration.Tests;

public class LocalNodeTests
{
    private static readonly ClusterConfig s_config = TestConfig.Parse(
        """
        [cluster]
        name = "three"
        [[node]]
        id = 1
        name = "alpha"
        addresses = ["10.0.0.1", "192.168.5.1", "fe80::1%1"]
        [[node]]
        id = 2
        name = "beta"
        addresses = ["10.0.0.2", "127.0.0.1:6002", "fe80::2%1"]
        [[node]]
        id = 3
        name = "gamma"
        addresses = ["10.0.0.3", "127.0.0.1:6003", "fe80::3%1"]
        """);

    private static IPAddress[] Local(params string[] addresses) => [.. addresses.Select(IPAddress.Parse)];

    [Fact]
    public void FindLocalNode_ByName_IgnoresCaseAndAddresses()
    {
        Assert.Equal(2u, s_config.FindLocalNode("BETA", Local()).Id);
    }

    [Fact]
    public void FindLocalNode_ById_ReturnsNode()
    {
        Assert.Equal("gamma", s_config.FindLocalNode("3", Local("10.0.0.1")).Name);
    }

    [Fact]
    public void FindLocalNode_ArgumentMatchesNothing_ListsNodes()
    {
        ConfigException ex = Assert.Throws<ConfigException>(() => s_config.FindLocalNode("delta", Local("10.0.0.1")));
        Assert.Equal(0, ex.Line);
        Assert.Equal("muster.toml: node: no node is named or numbered \"delta\" (nodes: 1 \"alpha\", 2 \"beta\", 3 \"gamma\")", ex.Message);
    }

    [Fact]
    public void FindLocalNode_ArgumentIsNameOfOneAndIdOfAnother_IsAnError()
    {
        ClusterConfig c = TestConfig.Parse(
            "[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"2\"\naddresses = [\"10.0.0.1\"]\n"
            + "[[node]]\nid = 2\nname = \"b\"\naddresses = [\"10.0.0.2\"]\n");
        ConfigException ex = Assert.Throws<ConfigException>(() => c.FindLocalNode("2", Local()));
        Assert.Contains("both the name of node 1 \"2\" and the id of node 2 \"b\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindLocalNode_ByUniqueLocalAddress_ReturnsNode()
    {
        Assert.Equal("alpha", s_config.FindLocalNode(null, Local("172.16.0.9", "192.168.5.1")).Name);
    }

    [Fact]
    public void FindLocalNode_EmptyArgument_FallsBackToAddresses()
    {
        Assert.Equal("beta", s_config.FindLocalNode("  ", Local("10.0.0.2")).Name);
    }

    [Fact]
    public void FindLocalNode_LinkLocalWithScope_Matches()
    {
        Assert.Equal("gamma", s_config.FindLocalNode(null, [new IPAddress(IPAddress.Parse("fe80::3").GetAddressBytes(), 1)]).Name);
    }

    [Fact]
    public void FindLocalNode_IPv4MappedLocalAddress_Matches()
    {
        Assert.Equal("alpha", s_config.FindLocalNode(null, [IPAddress.Parse("10.0.0.1").MapToIPv6()]).Name);
    }

    [Fact]
    public void FindLocalNode_Ambiguous_ListsCandidates()
    {
        ConfigException ex = Assert.Throws<ConfigException>(() => s_config.FindLocalNode(null, Local("127.0.0.1")));
        Assert.Equal(
            "muster.toml: node: more than one node has an address of this machine: 2 \"beta\" (127.0.0.1:6002), "
            + "3 \"gamma\" (127.0.0.1:6003); name this node with --node <name|id>",
            ex.Message);
    }

    [Fact]
    public void FindLocalNode_NoLocalAddressMatches_ListsNodesAndLocalAddresses()
    {
        ConfigException ex = Assert.Throws<ConfigException>(() => s_config.FindLocalNode(null, Local("172.16.0.9")));
        Assert.Contains("no node has an address of this machine", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 \"alpha\" (10.0.0.1, 192.168.5.1, fe80::1%1)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("local addresses: 172.16.0.9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryFindNode_AddressAndPortMatch_ReturnsNode()
    {
        Assert.True(s_config.TryFindNode(IPEndPoint.Parse("127.0.0.1:6003"), out NodeConfig? node));
        Assert.Equal(3u, node.Id);
        Assert.True(s_config.TryFindNode(IPEndPoint.Parse("10.0.0.1:5405"), out node));
        Assert.Equal(1u, node.Id);
    }

    [Fact]
    public void TryFindNode_AddressMatchesButPortDoesNot_ReturnsFalse()
    {
        Assert.False(s_config.TryFindNode(IPEndPoint.Parse("127.0.0.1:5405"), out _));
        Assert.False(s_config.TryFindNode(IPEndPoint.Parse("10.0.0.1:5406"), out _));
    }

    [Fact]
    public void TryFindNode_UnknownAddress_ReturnsFalse()
    {
        Assert.False(s_config.TryFindNode(IPEndPoint.Parse("10.9.9.9:5405"), out _));
    }

    [Fact]
    public void TryFindNode_IPv4MappedSender_MatchesIPv4Node()
    {
        Assert.True(s_config.TryFindNode(new IPEndPoint(IPAddress.Parse("10.0.0.2").MapToIPv6(), 5405), out NodeConfig? node));
        Assert.Equal(2u, node.Id);
    }

    [Fact]
    public void TryFindNode_LinkLocalSender_MatchesOnlyTheConfiguredScope()
    {
        byte[] bytes = IPAddress.Parse("fe80::3").GetAddressBytes();
        Assert.True(s_config.TryFindNode(new IPEndPoint(new IPAddress(bytes, 1), 5405), out NodeConfig? node));
        Assert.Equal(3u, node.Id);
        Assert.False(s_config.TryFindNode(new IPEndPoint(new IPAddress(bytes, 2), 5405), out _));
    }

    [Fact]
    public void TryFindNode_AfterWithNewNodes_UsesTheNewNodes()
    {
        Assert.True(s_config.TryFindNode(IPEndPoint.Parse("10.0.0.1:5405"), out _)); // fills the lookup cache
        ClusterConfig changed = s_config with { Nodes = [new NodeConfig(9, "nine", [IPEndPoint.Parse("10.0.0.99:5405")])] };
        Assert.False(changed.TryFindNode(IPEndPoint.Parse("10.0.0.1:5405"), out _));
        Assert.True(changed.TryFindNode(IPEndPoint.Parse("10.0.0.99:5405"), out NodeConfig? node));
        Assert.Equal(9u, node.Id);
    }

    [Fact]
    public void FindNode_ById_ReturnsNodeOrNull()
    {
        Assert.Equal("beta", s_config.FindNode(2)?.Name);
        Assert.Null(s_config.FindNode(4));
    }
}
