namespace Muster.Configuration.Tests;

// The rules that tie keys together, and the ranges of [limits].
public class ValidationTests
{
    private static string WithTable(string table) => TestConfig.Minimal + "\n" + table + "\n"; // table header on line 7

    [Theory]
    [InlineData("heartbeat_interval")]
    [InlineData("failure_timeout")]
    [InlineData("consensus_timeout")]
    [InlineData("join_timeout")]
    [InlineData("retransmit_interval")]
    [InlineData("merge_interval")]
    public void Parse_ZeroTimingValue_IsAnError(string key)
    {
        ConfigException ex = TestConfig.Fails(WithTable($"[timing]\n{key} = \"0ms\""), "timing." + key, 8);
        Assert.Contains("must be greater than 0 (found 0ms)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HugeTimingValue_IsAnError()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nfailure_timeout = \"2h\""), "timing.failure_timeout", 8);
        Assert.Contains("2h", ex.Message.Replace("7200s", "2h", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("expected at most 3600s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FailureTimeoutBelowThreeHeartbeats_NamesBothKeys()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nfailure_timeout = \"250ms\""), "timing.failure_timeout", 8);
        Assert.Equal(
            "muster.toml:8: timing.failure_timeout: must satisfy timing.failure_timeout >= 3 x timing.heartbeat_interval, "
            + "but failure_timeout = 250ms and heartbeat_interval = 100ms (from profile \"lan\")",
            ex.Message);
    }

    [Fact]
    public void Parse_FailureTimeoutExactlyThreeHeartbeats_IsValid()
    {
        ClusterConfig c = TestConfig.Parse(WithTable("[timing]\nfailure_timeout = \"300ms\""));
        Assert.Equal(TimeSpan.FromMilliseconds(300), c.Timing.FailureTimeout);
    }

    [Fact]
    public void Parse_HeartbeatTooSlowForProfileTimeout_BlamesTheKeySet()
    {
        // Only heartbeat_interval is in the file: the error points at it, and names failure_timeout's profile value.
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nheartbeat_interval = \"300ms\""), "timing.heartbeat_interval", 8);
        Assert.Contains("timing.failure_timeout >= 3 x timing.heartbeat_interval", ex.Message, StringComparison.Ordinal);
        Assert.Contains("failure_timeout = 600ms (from profile \"lan\")", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConsensusBelowTwoRetransmits_NamesBothKeys()
    {
        ConfigException ex = TestConfig.Fails(
            WithTable("[timing]\nretransmit_interval = \"50ms\"\nconsensus_timeout = \"90ms\""), "timing.consensus_timeout", 9);
        Assert.Contains("timing.consensus_timeout >= 2 x timing.retransmit_interval", ex.Message, StringComparison.Ordinal);
        Assert.Contains("consensus_timeout = 90ms and retransmit_interval = 50ms", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RetransmitAboveHeartbeat_NamesBothKeys()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nretransmit_interval = \"150ms\""), "timing.retransmit_interval", 8);
        Assert.Contains("timing.retransmit_interval <= timing.heartbeat_interval", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RuleBrokenByProfileAlone_PointsAtProfileLine()
    {
        // Not reachable with the shipped profiles; here the profile line is where the non-overridden values come from.
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nprofile = \"test\"\nheartbeat_interval = \"1s\""),
            "timing.heartbeat_interval", 9);
        Assert.Contains("failure_timeout = 2s (from profile \"test\")", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownProfile_ListsProfiles()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nprofile = \"tset\""), "timing.profile", 8);
        Assert.Contains("did you mean \"test\"? expected \"lan\" or \"test\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max_message_size = \"2MiB\"", "limits.max_message_size", "2MiB is out of range (expected 1KiB..1MiB)")]
    [InlineData("max_message_size = 1023", "limits.max_message_size", "1023 is out of range (expected 1KiB..1MiB)")]
    [InlineData("max_datagram_size = 575", "limits.max_datagram_size", "575 is out of range (expected 576..65000)")]
    [InlineData("max_datagram_size = 65001", "limits.max_datagram_size", "65001 is out of range (expected 576..65000)")]
    [InlineData("send_window = 0", "limits.send_window", "0 is out of range (expected 1..65536)")]
    [InlineData("sequencer_window = 70000", "limits.sequencer_window", "70000 is out of range (expected 1..65536)")]
    [InlineData("max_pending_bytes = \"2GiB\"", "limits.max_pending_bytes", "2GiB is out of range (expected 1KiB..1GiB)")]
    [InlineData("ipc_max_clients = 0", "limits.ipc_max_clients", "0 is out of range")]
    [InlineData("ipc_client_queue = 0", "limits.ipc_client_queue", "0 is out of range")]
    [InlineData("ipc_client_high_water = 0", "limits.ipc_client_high_water", "0 is out of range")]
    [InlineData("ipc_client_stall_timeout = \"0s\"", "limits.ipc_client_stall_timeout", "must be greater than 0")]
    [InlineData("ipc_max_frame = \"128MiB\"", "limits.ipc_max_frame", "128MiB is out of range (expected 8KiB..64MiB)")]
    [InlineData("max_message_size = \"1MB\"", "limits.max_message_size", "write binary units: KiB, MiB or GiB")]
    [InlineData("max_message_size = \"lots\"", "limits.max_message_size", "\"lots\" is not a size")]
    [InlineData("max_message_size = -5", "limits.max_message_size", "-5 is negative")]
    public void Parse_LimitOutOfRange_NamesKeyAndRange(string line, string key, string expected)
    {
        ConfigException ex = TestConfig.Fails(WithTable("[limits]\n" + line), key, 8);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SendWindowAboveSequencerWindow_NamesBothKeys()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[limits]\nsend_window = 4096"), "limits.send_window", 8);
        Assert.Contains("limits.send_window <= limits.sequencer_window, but send_window = 4096 and sequencer_window = 2048 (default)",
            ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PendingBytesBelowMessageSize_NamesBothKeys()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[limits]\nmax_pending_bytes = \"512KiB\""), "limits.max_pending_bytes", 8);
        Assert.Contains("limits.max_pending_bytes >= limits.max_message_size", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HighWaterNotBelowQueue_NamesBothKeys()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[limits]\nipc_client_queue = 100\nipc_client_high_water = 100"),
            "limits.ipc_client_high_water", 9);
        Assert.Contains("limits.ipc_client_high_water < limits.ipc_client_queue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FrameTooSmallForMessage_NamesBothKeys()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[limits]\nipc_max_frame = \"1MiB\""), "limits.ipc_max_frame", 8);
        Assert.Contains(
            "limits.ipc_max_frame >= limits.max_message_size + 4KiB, but ipc_max_frame = 1MiB and max_message_size = 1MiB (default)",
            ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SizesAsIntegersOrStrings_AreEquivalent()
    {
        ClusterConfig a = TestConfig.Parse(WithTable("[limits]\nmax_message_size = 65536\nipc_max_frame = 2_097_152"));
        ClusterConfig b = TestConfig.Parse(WithTable("[limits]\nmax_message_size = \"64KiB\"\nipc_max_frame = \"2MiB\""));
        Assert.Equal(a.Limits, b.Limits);
        Assert.Equal(64 * 1024, a.Limits.MaxMessageSize);
    }

    [Fact]
    public void Parse_ErrorsInSeveralTables_ReportsTheFirstInTheFile()
    {
        string text = "[logging]\nlevel = \"loud\"\n[cluster]\nname = \"bad name\"\n[[node]]\nid = 0\n";
        TestConfig.Fails(text, "logging.level", 2);
    }
}
