using System.Net;
using Muster.Core.Diagnostics;

namespace Muster.Configuration.Tests;

public class ConfigLoaderTests
{
    private const string FullFile =
        """
        # A complete file with every key set.
        [cluster]
        name = "demo-1.prod_A"
        config_version = 18446744073709551615
        port = 5500

        [[node]]
        id = 1
        name = "node1"
        addresses = ["10.0.0.1", "10.0.1.1:5406", "10.0.2.1"]   # three links

        [[node]]
        id = 4294967294
        name = "node2"
        addresses = [
            "fe80::2%1",                # link-local on interface index 1
            "[fe80::2%lo]:5407",
            'fd00::2',
        ]

        [timing]
        profile = "test"
        heartbeat_interval = "200ms"
        failure_timeout = "1.5s"
        consensus_timeout = "800ms"
        join_timeout = "250000us"
        retransmit_interval = "50ms"
        merge_interval = "1m"

        [limits]
        max_message_size = "512KiB"
        max_datagram_size = 9000
        send_window = 32
        sequencer_window = 1_024
        max_pending_bytes = "16MiB"
        ipc_max_clients = 16
        ipc_client_queue = 100
        ipc_client_high_water = 50
        ipc_client_stall_timeout = "30s"
        ipc_max_frame = "1MiB"

        [ipc]
        socket = "/tmp/muster test/d.sock"
        socket_mode = "0600"
        socket_group = "muster"
        allowed_users = ["root", "1000"]
        allowed_groups = ["wheel"]

        [links]
        mode = "active"
        priority = [3, 2, 1]
        mtu = [9000, 1500, 1280]
        probe_interval = "100ms"
        link_timeout = "400ms"

        [system]
        state_dir = "/tmp/state"
        sched_rr = false
        lock_memory = false

        [logging]
        level = "debug"
        file = "/var/log/muster.log"
        """;

    [Fact]
    public void Parse_FullFile_ReadsEveryKey()
    {
        ClusterConfig c = TestConfig.Parse(FullFile);

        Assert.Equal("demo-1.prod_A", c.ClusterName);
        Assert.Equal(ulong.MaxValue, c.ConfigVersion);
        Assert.Equal(5500, c.Port);
        Assert.Null(c.SourcePath);

        Assert.Equal(2, c.Nodes.Count);
        Assert.Equal(new NodeConfig(1, "node1",
            [IPEndPoint.Parse("10.0.0.1:5500"), IPEndPoint.Parse("10.0.1.1:5406"), IPEndPoint.Parse("10.0.2.1:5500")]), c.Nodes[0]);
        Assert.Equal(LinkMode.Active, c.Links.Mode);
        Assert.Equal([3, 2, 1], c.Links.Priorities);
        Assert.Equal([9000, 1500, 1280], c.Links.Mtu);
        Assert.Equal(TimeSpan.FromMilliseconds(400), c.Links.LinkTimeout);
        NodeConfig n2 = c.Nodes[1];
        Assert.Equal(4294967294u, n2.Id);
        Assert.Equal("node2", n2.Name);
        Assert.Equal(3, n2.Endpoints.Count);
        Assert.Equal(1, n2.Endpoints[0].Address.ScopeId);
        Assert.Equal(5500, n2.Endpoints[0].Port);
        Assert.Equal(1, n2.Endpoints[1].Address.ScopeId); // "lo" is interface 1 on Linux
        Assert.Equal(5407, n2.Endpoints[1].Port);
        Assert.Equal(IPAddress.Parse("fd00::2"), n2.Endpoints[2].Address);

        Assert.Equal(
            new TimingOptions
            {
                ProfileName = "test",
                HeartbeatInterval = TimeSpan.FromMilliseconds(200),
                FailureTimeout = TimeSpan.FromMilliseconds(1500),
                ConsensusTimeout = TimeSpan.FromMilliseconds(800),
                JoinTimeout = TimeSpan.FromMilliseconds(250),
                RetransmitInterval = TimeSpan.FromMilliseconds(50),
                MergeInterval = TimeSpan.FromMinutes(1),
            },
            c.Timing);

        Assert.Equal(
            new LimitOptions
            {
                MaxMessageSize = 512 * 1024,
                MaxDatagramSize = 9000,
                SendWindow = 32,
                SequencerWindow = 1024,
                MaxPendingBytes = 16 * 1024 * 1024,
                IpcMaxClients = 16,
                IpcClientQueue = 100,
                IpcClientHighWater = 50,
                IpcClientStallTimeout = TimeSpan.FromSeconds(30),
                IpcMaxFrame = 1024 * 1024,
            },
            c.Limits);

        Assert.Equal("/tmp/muster test/d.sock", c.Ipc.SocketPath);
        Assert.Equal(0b110_000_000, c.Ipc.SocketMode);
        Assert.Equal("muster", c.Ipc.SocketGroup);
        Assert.Equal(["root", "1000"], c.Ipc.AllowedUsers);
        Assert.Equal(["wheel"], c.Ipc.AllowedGroups);

        Assert.Equal(new SystemOptions { StateDirectory = "/tmp/state", SchedRr = false, LockMemory = false }, c.System);
        Assert.Equal(new LoggingOptions { Level = LogLevel.Debug, File = "/var/log/muster.log" }, c.Logging);
    }

    [Fact]
    public void Parse_MinimalFile_AppliesDefaults()
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal);

        Assert.Equal(0ul, c.ConfigVersion);
        Assert.Equal(5405, c.Port);
        Assert.Equal(IPEndPoint.Parse("10.0.0.1:5405"), Assert.Single(c.Nodes).Endpoints.Single());
        Assert.Equal(TimingOptions.Lan, c.Timing);
        Assert.Equal(1024 * 1024, c.Limits.MaxMessageSize);
        Assert.Equal(1400, c.Limits.MaxDatagramSize);
        Assert.Equal(64, c.Limits.SendWindow);
        Assert.Equal(2048, c.Limits.SequencerWindow);
        Assert.Equal(8 * 1024 * 1024, c.Limits.MaxPendingBytes);
        Assert.Equal(256, c.Limits.IpcMaxClients);
        Assert.Equal(4096, c.Limits.IpcClientQueue);
        Assert.Equal(1024, c.Limits.IpcClientHighWater);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Limits.IpcClientStallTimeout);
        Assert.Equal(2 * 1024 * 1024, c.Limits.IpcMaxFrame);
        Assert.Equal("/run/muster/musterd.sock", c.Ipc.SocketPath);
        Assert.Equal(0b110_110_000, c.Ipc.SocketMode);
        Assert.Null(c.Ipc.SocketGroup);
        Assert.Equal(["root"], c.Ipc.AllowedUsers);
        Assert.Empty(c.Ipc.AllowedGroups);
        Assert.Equal("/var/lib/muster", c.System.StateDirectory);
        Assert.True(c.System.SchedRr);
        Assert.True(c.System.LockMemory);
        Assert.Equal(LogLevel.Info, c.Logging.Level);
        Assert.Null(c.Logging.File);
    }

    [Fact]
    public void Parse_EmptyStrings_MeanDefaultGroupAndStderr()
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal + "\n[ipc]\nsocket_group = \"\"\n[logging]\nfile = \"\"\n");
        Assert.Null(c.Ipc.SocketGroup);
        Assert.Null(c.Logging.File);
    }

    [Fact]
    public void Parse_OneNodeCluster_IsValid()
    {
        ClusterConfig c = TestConfig.Parse("[cluster]\nname = \"solo\"\n[[node]]\nid = 7\nname = \"only\"\naddresses = [\"127.0.0.1\"]\n");
        Assert.Equal(7u, Assert.Single(c.Nodes).Id);
    }

    [Fact]
    public void Parse_TwoNodesOnOneHost_IsValidWithDifferentPorts()
    {
        ClusterConfig c = TestConfig.Parse(
            """
            [cluster]
            name = "pair"
            [[node]]
            id = 1
            name = "a"
            addresses = ["127.0.0.1:6001"]
            [[node]]
            id = 2
            name = "b"
            addresses = ["127.0.0.1:6002"]
            """);
        Assert.Equal([6001, 6002], c.Nodes.Select(n => n.Endpoints[0].Port));
    }

    [Fact]
    public void Parse_WindowsLineEndingsAndBom_AreAccepted()
    {
        string text = "\uFEFF" + TestConfig.Minimal.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n";
        Assert.Equal("demo", TestConfig.Parse(text).ClusterName);
    }

    [Fact]
    public void Parse_StringEscapes_AreDecoded()
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal + "\n[ipc]\nsocket = \"/tmp/a\\\"b\\\\c\\u00e9\\U0001F600\\t.sock\"\n");
        Assert.Equal("/tmp/a\"b\\c\u00e9\U0001F600\t.sock", c.Ipc.SocketPath);
    }

    [Fact]
    public void LoadFile_ExistingFile_SetsSourcePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"muster-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, TestConfig.Minimal);
        try
        {
            ClusterConfig c = ConfigLoader.LoadFile(path);
            Assert.Equal(Path.GetFullPath(path), c.SourcePath);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_ErrorInFile_NamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"muster-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, TestConfig.Minimal + "\n[timing]\nfailure_timeout = \"abc\"\n");
        try
        {
            ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));
            Assert.Equal($"{path}:8: timing.failure_timeout: \"abc\" is not a duration (expected e.g. \"600ms\" or \"2s\")", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_MissingFile_SaysNotFoundAndNamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "muster.toml");
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(path));
        Assert.Equal(path, ex.SourceName);
        Assert.Equal(0, ex.Line);
        Assert.StartsWith($"{path}: configuration file not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_Directory_IsAnError()
    {
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFile(Path.GetTempPath()));
        Assert.Contains("is a directory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ConfigBuiltInCode_ReportsWithoutLine()
    {
        var config = new ClusterConfig
        {
            ClusterName = "x",
            Nodes =
            [
                new NodeConfig(1, "a", [IPEndPoint.Parse("10.0.0.1:5405")]),
                new NodeConfig(1, "b", [IPEndPoint.Parse("10.0.0.2:5405")]),
            ],
        };
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(config));
        Assert.Equal(0, ex.Line);
        Assert.Equal("node[1].id", ex.Key);
        Assert.Equal("configuration: node[1].id: duplicate node id 1 (node[0] has it too; ids must be unique)", ex.Message);
    }

    [Fact]
    public void Validate_DefaultsWithOneNode_Pass()
    {
        var config = new ClusterConfig { ClusterName = "x", Nodes = [new NodeConfig(1, "a", [IPEndPoint.Parse("10.0.0.1:5405")])] };
        ConfigLoader.Validate(config);
    }
}
