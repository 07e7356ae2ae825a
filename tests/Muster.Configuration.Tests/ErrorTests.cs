namespace Muster.Configuration.Tests;

// Each error names the file, the line and the key, and says what is expected.
public class ErrorTests
{
    private static string WithTable(string table) => TestConfig.Minimal + "\n" + table + "\n"; // table starts on line 7

    [Fact]
    public void Parse_UnknownKey_NamesKeyLineAndSuggestion()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nfailure_timout = \"2s\""), "timing.failure_timout", 8);
        Assert.Contains("unknown key", ex.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean \"failure_timeout\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyInNode_NamesNodeIndex()
    {
        ConfigException ex = TestConfig.Fails(TestConfig.Minimal + "\nweight = 3\n", "node[0].weight", 7);
        Assert.Contains("[node] takes id, name, addresses", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyReportedBeforeMissingKey_TypoIsNamed()
    {
        TestConfig.Fails("[cluster]\nnmae = \"demo\"\n", "cluster.nmae", 2);
    }

    [Fact]
    public void Parse_KeyOutsideAnyTable_SuggestsTheTable()
    {
        ConfigException ex = TestConfig.Fails("name = \"demo\"\n" + TestConfig.Minimal, "name", 1);
        Assert.Contains("[cluster]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTable_NamesTableAndLine()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timings]\nprofile = \"lan\""), "timings", 7);
        Assert.Contains("unknown table [timings]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean [timing]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NodeAsPlainTable_AsksForArrayOfTables()
    {
        ConfigException ex = TestConfig.Fails("[cluster]\nname = \"x\"\n[node]\nid = 1\n", "node", 3);
        Assert.Contains("write [[node]]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ClusterAsArrayOfTables_AsksForTable()
    {
        ConfigException ex = TestConfig.Fails("[[cluster]]\nname = \"x\"\n", "cluster", 1);
        Assert.Contains("write [cluster]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKey_NamesBothLines()
    {
        ConfigException ex = TestConfig.Fails("[cluster]\nname = \"a\"\nport = 1\nname = \"b\"\n", "cluster.name", 4);
        Assert.Contains("duplicate key (already set on line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateTable_NamesFirstLine()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\n[timing]"), "timing", 8);
        Assert.Contains("defined twice (first on line 7)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadDuration_MatchesDocumentedMessage()
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\n\nfailure_timeout = \"abc\""), "timing.failure_timeout", 9);
        Assert.Equal("muster.toml:9: timing.failure_timeout: \"abc\" is not a duration (expected e.g. \"600ms\" or \"2s\")", ex.Message);
    }

    [Theory]
    [InlineData("\"600\"", "a unit is required")]
    [InlineData("\"5 s\"", "unknown unit")]
    [InlineData("\"2sec\"", "unknown unit \"sec\"")]
    [InlineData("\"-1s\"", "cannot be negative")]
    [InlineData("\"0.5ns\"", "finer than the 100ns resolution")]
    [InlineData("600", "a duration needs a unit, e.g. \"600ms\"")]
    [InlineData("true", "found the boolean true")]
    public void Parse_InvalidDuration_ExplainsWhy(string value, string expected)
    {
        ConfigException ex = TestConfig.Fails(WithTable("[timing]\nheartbeat_interval = " + value), "timing.heartbeat_interval", 8);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"node1.example.com\"")]
    [InlineData("\"10.0.0\"")]
    [InlineData("\"010.0.0.1\"")]
    [InlineData("\"10.0.0.256\"")]
    [InlineData("\"fe80::zz\"")]
    [InlineData("\"\"")]
    // A host name with a valid port: the message used to be empty once the port had parsed.
    [InlineData("\"db1:5405\"")]
    public void Parse_BadAddress_NamesKeyAndLine(string address)
    {
        string text = $"[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"a\"\naddresses = [\n  \"10.0.0.1\",\n  {address},\n]\n";
        ConfigException ex = TestConfig.Fails(text, "node[0].addresses", 8); // the element's own line
        Assert.Contains("is not an IP address (expected an IP address such as", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1:0", "out of range (expected 1..65535)")]
    [InlineData("10.0.0.1:70000", "out of range (expected 1..65535)")]
    [InlineData("10.0.0.1:http", "invalid port")]
    [InlineData("[10.0.0.1]:5405", "brackets are only for IPv6")]
    [InlineData("fe80::1%nosuchif0", "no network interface \"nosuchif0\"")]
    [InlineData("0.0.0.0", "the unspecified address")]
    [InlineData("255.255.255.255", "the broadcast address")]
    [InlineData("239.1.2.3", "a multicast address")]
    [InlineData("::ffff:10.0.0.9", "IPv4-mapped")]
    public void Parse_UnusableAddress_ExplainsWhy(string address, string expected)
    {
        string text = $"[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"a\"\naddresses = [\"{address}\"]\n";
        ConfigException ex = TestConfig.Fails(text, "node[0].addresses", 6);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooManyAddresses_IsAnError()
    {
        string list = string.Join(", ", Enumerable.Range(1, 9).Select(i => $"\"10.0.0.{i}\""));
        ConfigException ex = TestConfig.Fails($"[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"a\"\naddresses = [{list}]\n",
            "node[0].addresses", 6);
        Assert.Contains("9 addresses listed (expected 1 to 8)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoAddresses_IsAnError()
    {
        TestConfig.Fails("[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"a\"\naddresses = []\n", "node[0].addresses", 6);
    }

    [Fact]
    public void Parse_DuplicateNodeId_NamesBothNodes()
    {
        string text = TestConfig.Minimal + "\n[[node]]\nid = 1\nname = \"node2\"\naddresses = [\"10.0.0.2\"]\n";
        ConfigException ex = TestConfig.Fails(text, "node[1].id", 8);
        Assert.Contains("duplicate node id 1 (node[0] on line 3 has it too", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateNodeNameIgnoringCase_NamesBothNodes()
    {
        string text = TestConfig.Minimal + "\n[[node]]\nid = 2\nname = \"NODE1\"\naddresses = [\"10.0.0.2\"]\n";
        ConfigException ex = TestConfig.Fails(text, "node[1].name", 9);
        Assert.Contains("duplicate node name \"NODE1\" (node[0] on line 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateAddressAcrossNodes_NamesAddress()
    {
        string text = TestConfig.Minimal + "\n[[node]]\nid = 2\nname = \"node2\"\naddresses = [\"10.0.0.3\", \"10.0.0.1:5405\"]\n";
        ConfigException ex = TestConfig.Fails(text, "node[1].addresses", 10);
        Assert.Contains("duplicate address 10.0.0.1:5405 (node[0] on line 3 has it too", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateAddressWithinNode_IsAnError()
    {
        string text = "[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"a\"\naddresses = [\"10.0.0.1\", \"10.0.0.1:5405\"]\n";
        ConfigException ex = TestConfig.Fails(text, "node[0].addresses", 6);
        Assert.Contains("listed twice for this node", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameAddressDifferentPort_IsAllowed()
    {
        string text = TestConfig.Minimal + "\n[[node]]\nid = 2\nname = \"node2\"\naddresses = [\"10.0.0.1:5406\"]\n";
        Assert.Equal(2, TestConfig.Parse(text).Nodes.Count);
    }

    [Theory]
    [InlineData("id", 3, "add id = 1")]
    [InlineData("name", 3, "add name = \"node1\"")]
    [InlineData("addresses", 3, "add addresses = [\"192.168.1.10\"]")]
    public void Parse_NodeMissingRequiredKey_NamesKeyAndNodeLine(string omitted, int line, string hint)
    {
        string[] keys = ["id = 1", "name = \"a\"", "addresses = [\"10.0.0.1\"]"];
        string body = string.Join("\n", keys.Where(k => !k.StartsWith(omitted + " ", StringComparison.Ordinal)));
        ConfigException ex = TestConfig.Fails($"[cluster]\nname = \"x\"\n[[node]]\n{body}\n", $"node[0].{omitted}", line);
        Assert.Contains("missing required key (" + hint + ")", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingClusterName_NamesKeyAndTableLine()
    {
        TestConfig.Fails("\n[cluster]\nport = 5405\n[[node]]\nid = 1\nname = \"a\"\naddresses = [\"10.0.0.1\"]\n", "cluster.name", 2);
    }

    [Fact]
    public void Parse_MissingClusterTable_NamesKeyWithoutLine()
    {
        ConfigException ex = TestConfig.Fails("[[node]]\nid = 1\nname = \"a\"\naddresses = [\"10.0.0.1\"]\n", "cluster.name", 0);
        Assert.Contains("add a [cluster] table", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoNodes_IsAnError()
    {
        ConfigException ex = TestConfig.Fails("[cluster]\nname = \"x\"\n", "node", 0);
        Assert.Contains("at least one [[node]] is required", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[cluster]\nname = 5", "cluster.name", 2, "expected a string")]
    [InlineData("[cluster]\nname = \"x\"\nport = \"5405\"", "cluster.port", 3,
        "expected an integer (write it without quotes: 5405), found the string \"5405\"")]
    [InlineData("[cluster]\nname = \"x\"\nport = true", "cluster.port", 3, "expected an integer, found the boolean true")]
    [InlineData("[cluster]\nname = \"x\"\n[[node]]\nid = \"1\"", "node[0].id", 4, "expected an integer")]
    [InlineData("[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"a\"\naddresses = \"10.0.0.1\"", "node[0].addresses", 6,
        "expected an array of strings such as [\"192.168.1.10\"] (write [\"10.0.0.1\"]), found the string \"10.0.0.1\"")]
    [InlineData("[cluster]\nname = \"x\"\n[system]\nsched_rr = \"yes\"", "system.sched_rr", 4,
        "expected true or false, found the string \"yes\"")]
    [InlineData("[cluster]\nname = \"x\"\n[ipc]\nallowed_users = [0]", "ipc.allowed_users", 4, "write numbers in quotes")]
    [InlineData("[cluster]\nname = \"x\"\n[ipc]\nsocket_mode = 660", "ipc.socket_mode", 4, "modes are octal")]
    [InlineData("[cluster]\nname = \"x\"\n[limits]\nmax_message_size = true", "limits.max_message_size", 4, "expected a size")]
    public void Parse_WrongType_NamesKeyLineAndExpectedType(string text, string key, int line, string expected)
    {
        ConfigException ex = TestConfig.Fails(text, key, line);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("port = 0", "cluster.port", "0 is out of range (expected 1..65535)")]
    [InlineData("port = 65536", "cluster.port", "65536 is out of range (expected 1..65535)")]
    [InlineData("config_version = -1", "cluster.config_version", "-1 is out of range (expected 0..18446744073709551615)")]
    [InlineData("config_version = 18446744073709551616", "cluster.config_version", "is too large")]
    public void Parse_IntegerOutOfRange_NamesRange(string line, string key, string expected)
    {
        ConfigException ex = TestConfig.Fails("[cluster]\nname = \"x\"\n" + line + "\n", key, 3);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "0 is out of range (expected 1..4294967294)")]
    [InlineData("4294967295", "4294967295 is out of range (expected 1..4294967294)")]
    public void Parse_NodeIdOutOfRange_NamesRange(string id, string expected)
    {
        ConfigException ex = TestConfig.Fails($"[cluster]\nname = \"x\"\n[[node]]\nid = {id}\nname = \"a\"\naddresses = [\"10.0.0.1\"]\n",
            "node[0].id", 4);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ümlaut")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234x")]
    public void Parse_InvalidNames_AreRejected(string name)
    {
        TestConfig.Fails($"[cluster]\nname = \"{name}\"\n[[node]]\nid = 1\nname = \"a\"\naddresses = [\"10.0.0.1\"]\n", "cluster.name", 2);
        ConfigException ex = TestConfig.Fails($"[cluster]\nname = \"x\"\n[[node]]\nid = 1\nname = \"{name}\"\naddresses = [\"10.0.0.1\"]\n",
            "node[0].name", 5);
        Assert.Contains("expected 1 to 64 characters of A-Z a-z 0-9 _ . -", ex.Message, StringComparison.Ordinal);
    }

    // ---- TOML syntax ----

    [Theory]
    [InlineData("name = demo", "demo is not a value; strings must be quoted (write \"demo\")")]
    [InlineData("name = \"demo", "string is not closed")]
    [InlineData("name = \"a\\qb\"", "invalid escape \\q")]
    [InlineData("name = \"demo\" port = 1", "put each key on its own line")]
    [InlineData("name: \"demo\"", "expected '=' after the key, found ':'")]
    [InlineData("name =", "missing value after '='")]
    [InlineData("name = {a = 1}", "inline tables")]
    [InlineData("name = \"\"\"x\"\"\"", "multi-line strings")]
    [InlineData("port = 1.5", "floating-point values are not supported")]
    [InlineData("port = 0660", "leading zeros are not allowed")]
    [InlineData("port = 1__0", "'_' must sit between two digits")]
    [InlineData("port = 100ms", "durations and sizes are strings (write \"100ms\")")]
    [InlineData("port = 2024-01-01", "dates and times are not supported")]
    [InlineData("port = True", "booleans are written true or false")]
    [InlineData("port = [1, \"a\"]", "array mixes integers and strings")]
    [InlineData("port = [[1]]", "nested arrays")]
    [InlineData("port = [1 2]", "expected ',' or ']'")]
    public void Parse_SyntaxError_NamesKeyLineAndProblem(string line, string expected)
    {
        string key = "cluster." + line.Split([' ', ':', '='])[0];
        ConfigException ex = TestConfig.Fails("# comment\n[cluster]\n" + line + "\n", key, 3);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedArray_PointsAtItsStart()
    {
        TestConfig.Fails("[cluster]\nname = \"x\"\n[ipc]\nallowed_users = [\n  \"root\",\n", "ipc.allowed_users", 4);
    }

    [Fact]
    public void Parse_UnclosedHeader_NamesTable()
    {
        TestConfig.Fails("[cluster\nname = \"x\"\n", "cluster", 1);
    }

    [Fact]
    public void Parse_LineWithoutKey_IsAnError()
    {
        ConfigException ex = TestConfig.Fails("[cluster]\n= 5\n", "cluster", 2);
        Assert.Contains("expected a key name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DottedKey_IsUnknown()
    {
        TestConfig.Fails("[cluster]\nname = \"x\"\ntiming.profile = \"lan\"\n", "cluster.timing.profile", 3);
    }

    [Theory]
    [InlineData("level = \"verbose\"", "logging.level", "is not a log level (expected \"debug\", \"info\", \"warning\" or \"error\")")]
    [InlineData("file = \"muster.log\"", "logging.file", "is not an absolute path")]
    public void Parse_BadLogging_IsAnError(string line, string key, string expected)
    {
        ConfigException ex = TestConfig.Fails(WithTable("[logging]\n" + line), key, 8);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listen = \"localhost:9464\"", "metrics.listen", "\"localhost:9464\" is not an IP address")]
    [InlineData("listen = \"127.0.0.1:99999\"", "metrics.listen", "99999")]
    [InlineData("listen = 9464", "metrics.listen", "127.0.0.1:9464")]
    public void Parse_BadMetrics_IsAnError(string line, string key, string expected)
    {
        ConfigException ex = TestConfig.Fails(WithTable("[metrics]\n" + line), key, 8);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Metrics_ListenWithAndWithoutPort_AndOffByDefault()
    {
        Assert.Null(ConfigLoader.Parse(WithTable(""), "t.toml").Metrics.Listen);
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9100),
            ConfigLoader.Parse(WithTable("[metrics]\nlisten = \"127.0.0.1:9100\""), "t.toml").Metrics.Listen);
        var c = ConfigLoader.Parse(WithTable("[metrics]\nlisten = \"127.0.0.1\""), "t.toml");
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, MetricsOptions.DefaultPort), c.Metrics.Listen);
        Assert.Equal(c, ConfigLoader.Parse(ConfigWriter.Write(c), "written.toml"));
    }

    [Theory]
    [InlineData("socket = \"run/d.sock\"", "ipc.socket", "is not an absolute path")]
    [InlineData("socket_mode = \"0668\"", "ipc.socket_mode", "is not octal")]
    [InlineData("socket_mode = \"4755\"", "ipc.socket_mode", "out of range")]
    [InlineData("socket_group = \"a b\"", "ipc.socket_group", "is not a valid group name")]
    [InlineData("allowed_users = [\"root\", \"\"]", "ipc.allowed_users", "\"\" is not a valid user name or numeric uid")]
    [InlineData("allowed_groups = [\"a:b\"]", "ipc.allowed_groups", "is not a valid group name or numeric gid")]
    public void Parse_BadIpc_IsAnError(string line, string key, string expected)
    {
        ConfigException ex = TestConfig.Fails(WithTable("[ipc]\n" + line), key, 8);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SocketPathTooLong_IsAnError()
    {
        string path = "/" + new string('s', 107);
        ConfigException ex = TestConfig.Fails(WithTable($"[ipc]\nsocket = \"{path}\""), "ipc.socket", 8);
        Assert.Contains("at most 107 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RelativeStateDir_IsAnError()
    {
        TestConfig.Fails(WithTable("[system]\nstate_dir = \"state\""), "system.state_dir", 8);
    }
}
