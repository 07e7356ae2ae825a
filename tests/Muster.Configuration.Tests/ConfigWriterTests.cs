using System.Net;
using Muster.Core.Diagnostics;

namespace Muster.Configuration.Tests;

public class ConfigWriterTests
{
    [Fact]
    public void Write_DefaultsConfig_RoundTrips()
    {
        var config = new ClusterConfig
        {
            ClusterName = "demo",
            Nodes =
            [
                new NodeConfig(1, "node1", [IPEndPoint.Parse("127.0.0.11:5405")]),
                new NodeConfig(2, "node2", [IPEndPoint.Parse("127.0.0.12:5405")]),
            ],
        };
        ConfigLoader.Validate(config);
        string text = ConfigWriter.Write(config);

        Assert.Equal(config, ConfigLoader.Parse(text, "written.toml"));
        Assert.Contains("addresses = [\"127.0.0.11\"]", text, StringComparison.Ordinal); // the cluster port is implied
        Assert.Contains("# failure_timeout = \"600ms\"", text, StringComparison.Ordinal); // profile values stay visible
    }

    [Fact]
    public void Write_EverySettingChanged_RoundTrips()
    {
        var config = new ClusterConfig
        {
            ClusterName = "big.cluster-1",
            ConfigVersion = ulong.MaxValue,
            Port = 7000,
            Nodes =
            [
                new NodeConfig(1, "a", [IPEndPoint.Parse("10.0.0.1:7000"), IPEndPoint.Parse("10.0.1.1:7001")]),
                new NodeConfig(4294967294, "b", [new IPEndPoint(new IPAddress(IPAddress.Parse("fe80::2").GetAddressBytes(), 1), 7002),
                    IPEndPoint.Parse("[fd00::2]:7000")]),
            ],
            Timing = TimingOptions.Test with { FailureTimeout = TimeSpan.FromMilliseconds(2500), JoinTimeout = TimeSpan.FromTicks(2_505) },
            Limits = new LimitOptions
            {
                MaxMessageSize = 1000 * 1000,
                MaxDatagramSize = 1472,
                SendWindow = 10,
                SequencerWindow = 20,
                MaxPendingBytes = 3 * 1024 * 1024,
                IpcMaxClients = 3,
                IpcClientQueue = 30,
                IpcClientHighWater = 29,
                IpcClientStallTimeout = TimeSpan.FromMilliseconds(1500),
                IpcMaxFrame = 5 * 1024 * 1024 + 1,
            },
            Ipc = new IpcOptions
            {
                SocketPath = "/tmp/quote\"and\\backslash.sock",
                SocketMode = 0b111_101_000,
                SocketGroup = "muster",
                AllowedUsers = ["root", "1000", "svc"],
                AllowedGroups = ["wheel"],
            },
            System = new SystemOptions { StateDirectory = "/srv/muster state", SchedRr = false, LockMemory = false },
            Logging = new LoggingOptions { Level = LogLevel.Warning, File = "/var/log/m.log" },
        };
        ConfigLoader.Validate(config);
        string text = ConfigWriter.Write(config);

        ClusterConfig back = ConfigLoader.Parse(text, "written.toml");
        Assert.Equal(config, back);
        Assert.Equal(1, back.Nodes[1].Endpoints[0].Address.ScopeId);
        Assert.Contains("socket_mode = \"0750\"", text, StringComparison.Ordinal);
        Assert.Contains("max_message_size = 1000000", text, StringComparison.Ordinal);
        Assert.Contains("ipc_max_frame = 5242881", text, StringComparison.Ordinal);
        Assert.Contains("max_pending_bytes = \"3MiB\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_LoadedFullFile_RoundTrips()
    {
        ClusterConfig loaded = TestConfig.Parse(TestConfig.Minimal + "\n[timing]\nprofile = \"test\"\nheartbeat_interval = \"50ms\"\n");
        Assert.Equal(loaded, ConfigLoader.Parse(ConfigWriter.Write(loaded), "again.toml"));
    }

    [Fact]
    public void Equals_ListsComparedByContent()
    {
        ClusterConfig a = TestConfig.Parse(TestConfig.Minimal);
        ClusterConfig b = TestConfig.Parse(TestConfig.Minimal);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Ipc = b.Ipc with { AllowedUsers = ["root", "x"] } });
        Assert.NotEqual(a, b with { Nodes = [b.Nodes[0] with { Endpoints = [IPEndPoint.Parse("10.0.0.1:1")] }] });
    }
}
