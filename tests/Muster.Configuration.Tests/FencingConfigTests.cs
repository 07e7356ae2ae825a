namespace Muster.Configuration.Tests;

public class FencingConfigTests
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

    private const string Devices =
        """

        [fencing]
        action = "off"

        [[fence_device]]
        name = "ipmi2"
        agent = "fence_ipmilan"
        parameters = ["ipaddr=10.1.0.2", "login=admin", "lanplus=1"]
        host_map = ["node2:2"]
        timeout = "30s"
        retries = 2
        delay_max = "5s"

        [[fence_device]]
        name = "pdu"
        agent = "/usr/local/sbin/fence_mypdu"

        [[fence_level]]
        node = "node2"
        index = 1
        devices = ["ipmi2"]

        [[fence_level]]
        node = "node2"
        index = 2
        devices = ["pdu", "ipmi2"]
        """;

    [Fact]
    public void Devices_And_Levels_AreRead_AndWrittenBack()
    {
        ClusterConfig c = TestConfig.Parse(TwoNodes + Devices);
        Assert.Equal("off", c.Fencing.Action);
        var ipmi = c.Fencing.Devices[0];
        Assert.Equal(("ipmi2", "fence_ipmilan", TimeSpan.FromSeconds(30), 2, TimeSpan.FromSeconds(5)), (ipmi.Name, ipmi.Agent, ipmi.Timeout, ipmi.Retries, ipmi.DelayMax));
        Assert.Equal([new("ipaddr", "10.1.0.2"), new("login", "admin"), new("lanplus", "1")], ipmi.Parameters);
        Assert.Equal([new KeyValuePair<string, string>("node2", "2")], ipmi.HostMap);
        Assert.Equal(FenceDeviceConfig.DefaultTimeout, c.Fencing.Devices[1].Timeout);
        Assert.Equal(["pdu", "ipmi2"], c.Fencing.Levels[1].Devices);
        Assert.Equal(c, ConfigLoader.Parse(ConfigWriter.Write(c), "written.toml"));

        Assert.True(TestConfig.Parse(TwoNodes).Fencing.IsEmpty);
        Assert.DoesNotContain("fenc", ConfigWriter.Write(TestConfig.Parse(TwoNodes)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[fencing]\naction = \"cycle\"", "fencing.action", 12, "is not a fencing action")]
    [InlineData("[fence_device]\nname = \"x\"\nagent = \"a\"", "fence_device", 11, "write [[fence_device]]")]
    [InlineData("[[fence_device]]\nname = \"x\"", "fence_device[0].agent", 11, "missing required key")]
    [InlineData("[[fence_device]]\nname = \"x\"\nagent = \"a\"\nparameters = [\"ipaddr\"]", "fence_device[0].parameters", 14, "is not key=value")]
    [InlineData("[[fence_device]]\nname = \"x\"\nagent = \"a\"\nhost_map = [\"node9:1\"]", "fence_device[0].host_map", 14, "is not a node name")]
    [InlineData("[[fence_device]]\nname = \"x\"\nagent = \"a\"\ntimeout = \"1h\"", "fence_device[0].timeout", 14, "out of range")]
    [InlineData("[[fence_device]]\nname = \"x\"\nagent = \"a\"\n[[fence_device]]\nname = \"x\"\nagent = \"b\"", "fence_device[1].name", 15, "duplicate fence device")]
    [InlineData("[[fence_level]]\nnode = \"node3\"\nindex = 1\ndevices = [\"x\"]", "fence_level[0].node", 12, "is not a node name")]
    [InlineData("[[fence_level]]\nnode = \"node1\"\nindex = 10\ndevices = [\"x\"]", "fence_level[0].index", 13, "out of range")]
    [InlineData("[[fence_level]]\nnode = \"node1\"\nindex = 1\ndevices = [\"x\"]", "fence_level[0].devices", 14, "is not a [[fence_device]] name")]
    public void BadFencing_NamesTheKeyAndLine(string table, string key, int line, string message)
    {
        var ex = TestConfig.Fails(TwoNodes + "\n" + table, key, line);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
