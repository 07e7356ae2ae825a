using System.Globalization;
using System.Net;
using Muster.Configuration.Toml;
using Muster.Core.Diagnostics;

namespace Muster.Configuration;

// Turns a parsed TOML document into a ClusterConfig: rejects unknown tables and keys, checks each value's type and
// syntax, and records the line of every key it reads so the validator can point at them. Written out by hand per
// key (no reflection) so it stays trim- and AOT-clean and every message can say exactly what the key expects.
internal sealed class ConfigBinder
{
    private const string NodeTable = "node";
    private const string DeviceTable = "fence_device";
    private const string LevelTable = "fence_level";

    // Tables written [[name]], once per entry.
    private static readonly HashSet<string> s_arrays = new(StringComparer.Ordinal) { NodeTable, DeviceTable, LevelTable };

    // The schema: table name -> its keys, in the order the documentation and the writer use.
    private static readonly (string Table, string[] Keys)[] s_schema =
    [
        ("cluster", ["name", "config_version", "port"]),
        (NodeTable, ["id", "name", "addresses", "votes"]),
        ("timing", ["profile", "heartbeat_interval", "failure_timeout", "consensus_timeout", "join_timeout", "retransmit_interval",
            "merge_interval"]),
        ("limits", ["max_message_size", "max_datagram_size", "send_window", "sequencer_window", "max_pending_bytes", "ipc_max_clients",
            "ipc_client_queue", "ipc_client_high_water", "ipc_client_stall_timeout", "ipc_max_frame"]),
        ("ipc", ["socket", "socket_mode", "socket_group", "allowed_users", "allowed_groups"]),
        ("security", ["crypto", "key_file"]),
        ("links", ["mode", "priority", "mtu", "probe_interval", "link_timeout"]),
        ("quorum", ["expected_votes", "two_node", "wait_for_all", "last_man_standing", "last_man_standing_window", "auto_tie_breaker",
            "auto_tie_breaker_node", "allow_downscale"]),
        ("fencing", ["action"]),
        (DeviceTable, ["name", "agent", "parameters", "host_map", "timeout", "retries", "delay_base", "delay_max"]),
        (LevelTable, ["node", "index", "devices"]),
        ("system", ["state_dir", "sched_rr", "lock_memory"]),
        ("logging", ["level", "file"]),
        ("metrics", ["listen"]),
    ];

    private readonly string _source;
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public ConfigBinder(string sourceName)
    {
        _source = sourceName;
    }

    // Line of every key and table read, by dotted path ("timing.failure_timeout", "node[1].addresses[0]", "timing").
    public IReadOnlyDictionary<string, int> Lines => _lines;

    public ClusterConfig Bind(TomlDocument document)
    {
        CheckShape(document);

        TomlTable? cluster = document.Tables.FirstOrDefault(t => t.Name == "cluster");
        List<TomlTable> nodeTables = [.. document.Tables.Where(t => t.Name == NodeTable)];
        TomlTable? Single(string name) => document.Tables.FirstOrDefault(t => t.Name == name);

        // Each part is bound on its own and the error nearest the top of the file wins, so the operator fixes the
        // file from the top down instead of in the order this code happens to read it.
        var errors = new List<ConfigException>();
        T Bind<T>(Func<T> bind, T fallback)
        {
            try
            {
                return bind();
            }
            catch (ConfigException ex)
            {
                errors.Add(ex);
                return fallback;
            }
        }

        string clusterName = Bind(() => RequireString(cluster, "cluster", "name", "name = \"demo\""), "");
        ulong configVersion = Bind(() => (ulong)(ReadInteger(cluster, "config_version", 0, ulong.MaxValue) ?? 0), 0ul);
        int port = Bind(() => (int)(ReadInteger(cluster, "port", 1, 65535) ?? ClusterConfig.DefaultPort), ClusterConfig.DefaultPort);
        List<NodeConfig> nodes = [.. nodeTables.Select(t => Bind(() => BindNode(t, port), new NodeConfig(0, "", [])))];
        var config = new ClusterConfig
        {
            ClusterName = clusterName,
            ConfigVersion = configVersion,
            Port = port,
            Nodes = nodes,
            Timing = Bind(() => BindTiming(Single("timing")), TimingOptions.Lan),
            Limits = Bind(() => BindLimits(Single("limits")), new LimitOptions()),
            Ipc = Bind(() => BindIpc(Single("ipc")), new IpcOptions()),
            Security = Bind(() => BindSecurity(Single("security")), new SecurityOptions()),
            Links = Bind(() => BindLinks(Single("links")), new LinkOptions()),
            Quorum = Bind(() => BindQuorum(Single("quorum")), new QuorumConfig()),
            Fencing = new FencingConfig
            {
                Action = Bind(() => BindFenceAction(Single("fencing")), "reboot"),
                Devices = [.. document.Tables.Where(t => t.Name == DeviceTable).Select(t => Bind(() => BindDevice(t), new FenceDeviceConfig("", "", [], [], TimeSpan.Zero)))],
                Levels = [.. document.Tables.Where(t => t.Name == LevelTable).Select(t => Bind(() => BindLevel(t), new FenceLevelConfig("", 0, [])))],
            },
            System = Bind(() => BindSystem(Single("system")), new SystemOptions()),
            Logging = Bind(() => BindLogging(Single("logging")), new LoggingOptions()),
            Metrics = Bind(() => BindMetrics(Single("metrics")), new MetricsOptions()),
            SourceName = _source,
        };
        if (nodeTables.Count == 0)
        {
            errors.Add(new ConfigException(_source, 0, NodeTable,
                "at least one [[node]] is required (e.g. [[node]] with id = 1, name = \"node1\", addresses = [\"192.168.1.10\"])"));
        }
        if (errors.Count > 0)
        {
            throw errors.OrderBy(e => e.Line == 0 ? int.MaxValue : e.Line).First();
        }
        return config;
    }

    // Unknown tables and keys are reported before anything else: a misspelt key would otherwise surface as a
    // confusing "missing required key", or worse, be ignored.
    private void CheckShape(TomlDocument document)
    {
        foreach (TomlEntry entry in document.Root.Entries)
        {
            string? home = s_schema.FirstOrDefault(s => !s_arrays.Contains(s.Table) && s.Keys.Contains(entry.Key)).Table;
            string hint = home is null ? "keys belong under a table header such as [cluster]" : $"did you mean to put it under [{home}]?";
            throw new ConfigException(_source, entry.Line, entry.Key, $"unknown key outside any table ({hint})");
        }

        foreach (TomlTable table in document.Tables)
        {
            _lines[table.Path] = table.Line;
            int index = Array.FindIndex(s_schema, s => s.Table == table.Name);
            if (index < 0)
            {
                string tables = string.Join(", ", s_schema.Select(s => s_arrays.Contains(s.Table) ? $"[[{s.Table}]]" : $"[{s.Table}]"));
                string? guess = Suggest(table.Name, s_schema.Select(s => s.Table));
                string suggestion = guess is null ? "" : $"did you mean {(guess is not null && s_arrays.Contains(guess) ? $"[[{guess}]]" : $"[{guess}]")}? ";
                string header = table.IsArrayElement ? $"[[{table.Name}]]" : $"[{table.Name}]";
                throw new ConfigException(_source, table.Line, table.Name,
                    $"unknown table {header} ({suggestion}expected one of {tables})");
            }
            if (s_arrays.Contains(table.Name) && !table.IsArrayElement)
            {
                throw new ConfigException(_source, table.Line, table.Name,
                    table.Name == NodeTable
                        ? "[node] must be an array of tables: write [[node]], once per node"
                        : $"[{table.Name}] must be an array of tables: write [[{table.Name}]], once per entry");
            }
            if (!s_arrays.Contains(table.Name) && table.IsArrayElement)
            {
                throw new ConfigException(_source, table.Line, table.Name,
                    $"[[{table.Name}]] is a single table: write [{table.Name}]");
            }

            string[] keys = s_schema[index].Keys;
            foreach (TomlEntry entry in table.Entries)
            {
                if (!keys.Contains(entry.Key))
                {
                    string? guess = Suggest(entry.Key, keys);
                    string suggestion = guess is null ? "" : $"did you mean \"{guess}\"? ";
                    throw new ConfigException(_source, entry.Line, table.KeyPath(entry.Key),
                        $"unknown key ({suggestion}[{table.Name}] takes {string.Join(", ", keys)})");
                }
            }
        }
    }

    // The closest known name within two edits, for "did you mean".
    private static string? Suggest(string name, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (string candidate in known)
        {
            int d = EditDistance(name.ToLowerInvariant(), candidate);
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int EditDistance(string a, string b)
    {
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private NodeConfig BindNode(TomlTable table, int clusterPort)
    {
        uint id = (uint)RequireInteger(table, "id", 1, ConfigValidator.MaxNodeId, "id = 1");
        string name = RequireString(table, table.Path, "name", "name = \"node1\"");
        if (!TryGet(table, "addresses", out TomlEntry entry, out string path))
        {
            throw Missing(table, table.Path, "addresses", "addresses = [\"192.168.1.10\"]");
        }
        IReadOnlyList<TomlValue> items = ExpectStringArray(entry, path, "[\"192.168.1.10\"]");
        if (items.Count is 0 or > ConfigValidator.MaxAddresses)
        {
            throw new ConfigException(_source, entry.Line, path,
                $"{items.Count} addresses listed (expected 1 to {ConfigValidator.MaxAddresses})");
        }
        var endpoints = new List<IPEndPoint>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            TomlValue item = items[i];
            _lines[string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")] = item.Line;
            if (!ValueSyntax.TryParseEndpoint(item.String, clusterPort, out IPEndPoint? endpoint, out string problem))
            {
                throw new ConfigException(_source, item.Line, path, problem);
            }
            endpoints.Add(endpoint!);
        }
        int votes = ReadInt(table, "votes", (0, NodeConfig.MaxVotes)) ?? NodeConfig.DefaultVotes;
        return new NodeConfig(id, name, endpoints, votes);
    }

    private string BindFenceAction(TomlTable? table)
    {
        if (!TryGet(table, "action", out TomlEntry entry, out string path))
        {
            return "reboot";
        }

        string text = ExpectString(entry, path, "\"reboot\" or \"off\"");
        return text is "reboot" or "off"
            ? text
            : throw new ConfigException(_source, entry.Line, path, $"{ValueSyntax.Quote(text)} is not a fencing action (expected \"reboot\", the default, or \"off\")");
    }

    private FenceDeviceConfig BindDevice(TomlTable table)
    {
        string name = RequireString(table, table.Path, "name", "name = \"ipmi-node1\"");
        string agent = RequireString(table, table.Path, "agent", "agent = \"fence_ipmilan\"");
        var parameters = ReadPairs(table, "parameters", '=', "[\"ipaddr=10.0.0.9\", \"login=admin\"]");
        var hostMap = ReadPairs(table, "host_map", ':', "[\"node1:1\", \"node2:2\"]");
        return new FenceDeviceConfig(name, agent, parameters, hostMap,
            ReadDuration(table, "timeout") ?? FenceDeviceConfig.DefaultTimeout,
            ReadInt(table, "retries", (0, 10)) ?? 0,
            ReadDuration(table, "delay_base") ?? TimeSpan.Zero,
            ReadDuration(table, "delay_max") ?? TimeSpan.Zero);
    }

    private FenceLevelConfig BindLevel(TomlTable table)
    {
        string node = RequireString(table, table.Path, "node", "node = \"node1\"");
        int index = (int)RequireInteger(table, "index", 1, 9, "index = 1");
        if (!TryGet(table, "devices", out TomlEntry entry, out string path))
        {
            throw Missing(table, table.Path, "devices", "devices = [\"ipmi-node1\"]");
        }

        var items = ExpectStringArray(entry, path, "[\"ipmi-node1\"]");
        if (items.Count is 0 or > 8)
        {
            throw new ConfigException(_source, entry.Line, path, $"{items.Count} devices listed (expected 1 to 8)");
        }

        return new FenceLevelConfig(node, index, [.. items.Select(i => i.String)]);
    }

    // An array of "key<separator>value" strings, in order.
    private List<KeyValuePair<string, string>> ReadPairs(TomlTable table, string key, char separator, string example)
    {
        if (!TryGet(table, key, out TomlEntry entry, out string path))
        {
            return [];
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var item in ExpectStringArray(entry, path, example))
        {
            int at = item.String.IndexOf(separator, StringComparison.Ordinal);
            if (at <= 0 || item.String.Contains('\n', StringComparison.Ordinal))
            {
                throw new ConfigException(_source, item.Line, path,
                    $"{ValueSyntax.Quote(item.String)} is not key{separator}value on one line (e.g. {example})");
            }

            pairs.Add(new(item.String[..at], item.String[(at + 1)..]));
        }

        return pairs;
    }

    private QuorumConfig BindQuorum(TomlTable? table)
    {
        TieBreakerRule? rule = null;
        List<uint> list = [];
        if (TryGet(table, "auto_tie_breaker_node", out TomlEntry entry, out string path))
        {
            const string Expected = "\"lowest\", \"highest\" or a list of node ids such as [3, 1]";
            TomlValue v = entry.Value;
            if (v.Kind == TomlValueKind.String)
            {
                rule = v.String switch
                {
                    "lowest" => TieBreakerRule.Lowest,
                    "highest" => TieBreakerRule.Highest,
                    _ => throw new ConfigException(_source, entry.Line, path, $"{ValueSyntax.Quote(v.String)} is not a tie-breaker (expected {Expected})"),
                };
            }
            else if (v.Kind == TomlValueKind.Array && v.Items.All(i => i.Kind == TomlValueKind.Integer))
            {
                if (v.Items.Count == 0)
                {
                    throw new ConfigException(_source, entry.Line, path, $"the list of tie-breaker nodes is empty (expected {Expected})");
                }
                for (int i = 0; i < v.Items.Count; i++)
                {
                    TomlValue item = v.Items[i];
                    _lines[string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")] = item.Line;
                    if (item.Integer < 1 || item.Integer > ConfigValidator.MaxNodeId)
                    {
                        throw new ConfigException(_source, item.Line, path, string.Create(CultureInfo.InvariantCulture,
                            $"{item.Integer} is not a node id (expected 1..{ConfigValidator.MaxNodeId})"));
                    }
                    list.Add((uint)item.Integer);
                }
                rule = TieBreakerRule.List;
            }
            else
            {
                throw WrongType(entry, path, Expected);
            }
        }

        return new QuorumConfig
        {
            ExpectedVotes = ReadInt(table, "expected_votes", (1, QuorumConfig.MaxExpectedVotes)),
            TwoNode = ReadBool(table, "two_node") ?? false,
            WaitForAll = ReadBool(table, "wait_for_all"),
            LastManStanding = ReadBool(table, "last_man_standing") ?? false,
            LastManStandingWindow = ReadDuration(table, "last_man_standing_window"),
            AutoTieBreaker = ReadBool(table, "auto_tie_breaker") ?? false,
            TieBreakerNode = rule,
            TieBreakerNodes = list,
            AllowDownscale = ReadBool(table, "allow_downscale") ?? false,
        };
    }

    private TimingOptions BindTiming(TomlTable? table)
    {
        TimingOptions timing = TimingOptions.Lan;
        if (TryGet(table, "profile", out TomlEntry profileEntry, out string profilePath))
        {
            string name = ExpectString(profileEntry, profilePath, "a profile name such as \"lan\"");
            if (!TimingOptions.TryGetProfile(name, out TimingOptions? profile))
            {
                string? guess = Suggest(name, TimingOptions.ProfileNames);
                string suggestion = guess is null ? "" : $"did you mean \"{guess}\"? ";
                throw new ConfigException(_source, profileEntry.Line, profilePath,
                    $"{ValueSyntax.Quote(name)} is not a timing profile ({suggestion}expected \"lan\" or \"test\")");
            }
            timing = profile;
        }
        return timing with
        {
            HeartbeatInterval = ReadDuration(table, "heartbeat_interval") ?? timing.HeartbeatInterval,
            FailureTimeout = ReadDuration(table, "failure_timeout") ?? timing.FailureTimeout,
            ConsensusTimeout = ReadDuration(table, "consensus_timeout") ?? timing.ConsensusTimeout,
            JoinTimeout = ReadDuration(table, "join_timeout") ?? timing.JoinTimeout,
            RetransmitInterval = ReadDuration(table, "retransmit_interval") ?? timing.RetransmitInterval,
            MergeInterval = ReadDuration(table, "merge_interval") ?? timing.MergeInterval,
        };
    }

    private LimitOptions BindLimits(TomlTable? table)
    {
        var d = new LimitOptions();
        return new LimitOptions
        {
            MaxMessageSize = ReadSize(table, "max_message_size", ConfigValidator.MessageSizeRange) ?? d.MaxMessageSize,
            MaxDatagramSize = ReadSize(table, "max_datagram_size", ConfigValidator.DatagramSizeRange) ?? d.MaxDatagramSize,
            SendWindow = ReadInt(table, "send_window", ConfigValidator.WindowRange) ?? d.SendWindow,
            SequencerWindow = ReadInt(table, "sequencer_window", ConfigValidator.WindowRange) ?? d.SequencerWindow,
            MaxPendingBytes = ReadSize(table, "max_pending_bytes", ConfigValidator.PendingBytesRange) ?? d.MaxPendingBytes,
            IpcMaxClients = ReadInt(table, "ipc_max_clients", ConfigValidator.IpcClientsRange) ?? d.IpcMaxClients,
            IpcClientQueue = ReadInt(table, "ipc_client_queue", ConfigValidator.IpcQueueRange) ?? d.IpcClientQueue,
            IpcClientHighWater = ReadInt(table, "ipc_client_high_water", ConfigValidator.IpcQueueRange) ?? d.IpcClientHighWater,
            IpcClientStallTimeout = ReadDuration(table, "ipc_client_stall_timeout") ?? d.IpcClientStallTimeout,
            IpcMaxFrame = ReadSize(table, "ipc_max_frame", ConfigValidator.IpcFrameRange) ?? d.IpcMaxFrame,
        };
    }

    private IpcOptions BindIpc(TomlTable? table)
    {
        var d = new IpcOptions();
        int mode = d.SocketMode;
        if (TryGet(table, "socket_mode", out TomlEntry modeEntry, out string modePath))
        {
            const string Expected = "(expected an octal permission mode such as \"0660\", at most \"0777\")";
            TomlValue v = modeEntry.Value;
            if (v.Kind != TomlValueKind.String)
            {
                // An integer such as 660 would be decimal, not the octal the operator means, so only strings are taken.
                throw WrongType(modeEntry, modePath, "a string such as \"0660\" (modes are octal; write the digits in quotes)");
            }
            if (!ValueSyntax.TryParseMode(v.String, out mode))
            {
                throw new ConfigException(_source, modeEntry.Line, modePath, $"{ValueSyntax.Quote(v.String)} is not octal {Expected}");
            }
        }

        string? group = ReadString(table, "socket_group");
        return new IpcOptions
        {
            SocketPath = ReadString(table, "socket") ?? d.SocketPath,
            SocketMode = mode,
            SocketGroup = string.IsNullOrEmpty(group) ? null : group,
            AllowedUsers = ReadStringList(table, "allowed_users", "[\"root\"]") ?? d.AllowedUsers,
            AllowedGroups = ReadStringList(table, "allowed_groups", "[\"muster\"]") ?? d.AllowedGroups,
        };
    }

    private SecurityOptions BindSecurity(TomlTable? table)
    {
        var d = new SecurityOptions();
        bool encrypt = d.Encrypt;
        if (TryGet(table, "crypto", out TomlEntry entry, out string path))
        {
            string text = ExpectString(entry, path, "\"aes256gcm\" or \"none\"");
            encrypt = text switch
            {
                "aes256gcm" => true,
                "none" => false,
                _ => throw new ConfigException(_source, entry.Line, path,
                    $"{ValueSyntax.Quote(text)} is not a crypto setting (expected \"aes256gcm\", the default, or \"none\")"),
            };
        }

        return new SecurityOptions { Encrypt = encrypt, KeyFile = ReadString(table, "key_file") ?? d.KeyFile };
    }

    private LinkOptions BindLinks(TomlTable? table)
    {
        var d = new LinkOptions();
        LinkMode mode = d.Mode;
        if (TryGet(table, "mode", out TomlEntry entry, out string path))
        {
            string text = ExpectString(entry, path, "\"passive\" or \"active\"");
            mode = text switch
            {
                "passive" => LinkMode.Passive,
                "active" => LinkMode.Active,
                _ => throw new ConfigException(_source, entry.Line, path,
                    $"{ValueSyntax.Quote(text)} is not a link mode (expected \"passive\", the default, or \"active\")"),
            };
        }

        return new LinkOptions
        {
            Mode = mode,
            Priorities = ReadIntList(table, "priority", ConfigValidator.PriorityRange, "[2, 1]", allowScalar: false) ?? d.Priorities,
            Mtu = ReadIntList(table, "mtu", ConfigValidator.MtuRange, "[9000, 1500]", allowScalar: true) ?? d.Mtu,
            ProbeInterval = ReadDuration(table, "probe_interval"),
            LinkTimeout = ReadDuration(table, "link_timeout"),
        };
    }

    // An array of integers, one per link; with allowScalar, a single integer stands for a one-element list.
    private List<int>? ReadIntList(TomlTable? table, string key, (int Min, int Max) range, string example, bool allowScalar)
    {
        if (!TryGet(table, key, out TomlEntry entry, out string path))
        {
            return null;
        }
        TomlValue v = entry.Value;
        if (allowScalar && v.Kind == TomlValueKind.Integer)
        {
            return [(int)ExpectInteger(entry, path, range.Min, range.Max)];
        }
        if (v.Kind != TomlValueKind.Array || v.Items.Any(i => i.Kind != TomlValueKind.Integer))
        {
            string scalar = allowScalar ? " or one integer for every link" : "";
            throw WrongType(entry, path, $"an array of integers, one per link, such as {example}{scalar}");
        }
        if (v.Items.Count is 0 or > ConfigValidator.MaxAddresses)
        {
            throw new ConfigException(_source, entry.Line, path,
                string.Create(CultureInfo.InvariantCulture, $"{v.Items.Count} values listed (expected 1 to {ConfigValidator.MaxAddresses}, one per link)"));
        }
        var values = new List<int>(v.Items.Count);
        for (int i = 0; i < v.Items.Count; i++)
        {
            TomlValue item = v.Items[i];
            _lines[string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")] = item.Line;
            if (item.Integer < range.Min || item.Integer > range.Max)
            {
                throw new ConfigException(_source, item.Line, path, string.Create(CultureInfo.InvariantCulture,
                    $"{item.Integer} (link {i}) is out of range (expected {range.Min}..{range.Max})"));
            }
            values.Add((int)item.Integer);
        }
        return values;
    }

    private SystemOptions BindSystem(TomlTable? table)
    {
        var d = new SystemOptions();
        return new SystemOptions
        {
            StateDirectory = ReadString(table, "state_dir") ?? d.StateDirectory,
            SchedRr = ReadBool(table, "sched_rr") ?? d.SchedRr,
            LockMemory = ReadBool(table, "lock_memory") ?? d.LockMemory,
        };
    }

    private LoggingOptions BindLogging(TomlTable? table)
    {
        LogLevel level = LogLevel.Info;
        if (TryGet(table, "level", out TomlEntry entry, out string path))
        {
            string text = ExpectString(entry, path, "a level such as \"info\"");
            level = text switch
            {
                "debug" => LogLevel.Debug,
                "info" => LogLevel.Info,
                "warning" => LogLevel.Warning,
                "error" => LogLevel.Error,
                _ => throw new ConfigException(_source, entry.Line, path,
                    $"{ValueSyntax.Quote(text)} is not a log level (expected \"debug\", \"info\", \"warning\" or \"error\")"),
            };
        }
        string? file = ReadString(table, "file");
        return new LoggingOptions { Level = level, File = string.IsNullOrEmpty(file) ? null : file };
    }

    private MetricsOptions BindMetrics(TomlTable? table)
    {
        if (!TryGet(table, "listen", out TomlEntry entry, out string path))
        {
            return new MetricsOptions();
        }

        string text = ExpectString(entry, path, "an address and port such as \"127.0.0.1:9464\"");
        if (text.Length == 0)
        {
            return new MetricsOptions();
        }

        if (!ValueSyntax.TryParseEndpoint(text, MetricsOptions.DefaultPort, out IPEndPoint? endpoint, out string problem))
        {
            throw new ConfigException(_source, entry.Line, path, problem);
        }

        return new MetricsOptions { Listen = endpoint };
    }

    // ---- typed accessors ----

    private bool TryGet(TomlTable? table, string key, out TomlEntry entry, out string path)
    {
        path = table?.KeyPath(key) ?? key;
        entry = default;
        if (table is null || !table.TryGet(key, out entry))
        {
            return false;
        }
        _lines[path] = entry.Line;
        return true;
    }

    private ConfigException Missing(TomlTable? table, string tablePath, string key, string example) =>
        table is null
            ? new ConfigException(_source, 0, $"{tablePath}.{key}", $"missing required key (add a [{tablePath}] table with {example})")
            : new ConfigException(_source, table.Line, $"{tablePath}.{key}", $"missing required key (add {example})");

    private ConfigException WrongType(TomlEntry entry, string path, string expected) =>
        new(_source, entry.Line, path, $"expected {expected}, found {entry.Value.Describe()}");

    private string ExpectString(TomlEntry entry, string path, string expected) =>
        entry.Value.Kind == TomlValueKind.String ? entry.Value.String : throw WrongType(entry, path, $"a string ({expected})");

    private string RequireString(TomlTable? table, string tablePath, string key, string example) =>
        TryGet(table, key, out TomlEntry entry, out string path)
            ? ExpectString(entry, path, "e.g. " + example)
            : throw Missing(table, tablePath, key, example);

    private string? ReadString(TomlTable? table, string key) =>
        TryGet(table, key, out TomlEntry entry, out string path) ? ExpectString(entry, path, "in quotes") : null;

    private bool? ReadBool(TomlTable? table, string key)
    {
        if (!TryGet(table, key, out TomlEntry entry, out string path))
        {
            return null;
        }
        return entry.Value.Kind == TomlValueKind.Boolean ? entry.Value.Boolean : throw WrongType(entry, path, "true or false");
    }

    private Int128 ExpectInteger(TomlEntry entry, string path, Int128 min, Int128 max)
    {
        TomlValue v = entry.Value;
        if (v.Kind != TomlValueKind.Integer)
        {
            bool quotedNumber = v.Kind == TomlValueKind.String
                && Int128.TryParse(v.String, NumberStyles.None, CultureInfo.InvariantCulture, out _);
            string hint = quotedNumber
                ? $" (write it without quotes: {v.String})"
                : "";
            throw WrongType(entry, path, $"an integer{hint}");
        }
        if (v.Integer < min || v.Integer > max)
        {
            throw new ConfigException(_source, entry.Line, path,
                string.Create(CultureInfo.InvariantCulture, $"{v.Integer} is out of range (expected {min}..{max})"));
        }
        return v.Integer;
    }

    private Int128 RequireInteger(TomlTable table, string key, Int128 min, Int128 max, string example) =>
        TryGet(table, key, out TomlEntry entry, out string path)
            ? ExpectInteger(entry, path, min, max)
            : throw Missing(table, table.Path, key, example);

    private Int128? ReadInteger(TomlTable? table, string key, Int128 min, Int128 max) =>
        TryGet(table, key, out TomlEntry entry, out string path) ? ExpectInteger(entry, path, min, max) : null;

    private int? ReadInt(TomlTable? table, string key, (int Min, int Max) range) =>
        (int?)ReadInteger(table, key, range.Min, range.Max);

    private TimeSpan? ReadDuration(TomlTable? table, string key)
    {
        if (!TryGet(table, key, out TomlEntry entry, out string path))
        {
            return null;
        }
        TomlValue v = entry.Value;
        if (v.Kind != TomlValueKind.String)
        {
            string hint = v.Kind == TomlValueKind.Integer
                ? string.Create(CultureInfo.InvariantCulture, $" (a duration needs a unit, e.g. \"{v.Integer}ms\")")
                : "";
            throw WrongType(entry, path, $"a duration string such as \"600ms\" or \"2s\"{hint}");
        }
        return ValueSyntax.TryParseDuration(v.String, out TimeSpan value, out string problem)
            ? value
            : throw new ConfigException(_source, entry.Line, path, problem);
    }

    private int? ReadSize(TomlTable? table, string key, (int Min, int Max) range)
    {
        if (!TryGet(table, key, out TomlEntry entry, out string path))
        {
            return null;
        }
        TomlValue v = entry.Value;
        long bytes;
        if (v.Kind == TomlValueKind.Integer)
        {
            if (v.Integer < 0)
            {
                throw new ConfigException(_source, entry.Line, path,
                    string.Create(CultureInfo.InvariantCulture, $"{v.Integer} is negative {ValueSyntax.SizeExpected}"));
            }
            bytes = v.Integer > long.MaxValue ? long.MaxValue : (long)v.Integer;
        }
        else if (v.Kind == TomlValueKind.String)
        {
            if (!ValueSyntax.TryParseSize(v.String, out bytes, out string problem))
            {
                throw new ConfigException(_source, entry.Line, path, problem);
            }
        }
        else
        {
            throw WrongType(entry, path, "a size: bytes as an integer, or a string such as \"64KiB\" or \"1MiB\"");
        }
        if (bytes < range.Min || bytes > range.Max)
        {
            throw new ConfigException(_source, entry.Line, path,
                ConfigValidator.OutOfRange(ValueSyntax.FormatSize(bytes), range, size: true));
        }
        return (int)bytes;
    }

    private IReadOnlyList<TomlValue> ExpectStringArray(TomlEntry entry, string path, string example)
    {
        TomlValue v = entry.Value;
        if (v.Kind != TomlValueKind.Array || v.Items.Count > 0 && v.Items[0].Kind != TomlValueKind.String)
        {
            string hint = v.Kind == TomlValueKind.String ? $" (write [{ValueSyntax.Quote(v.String)}])"
                : v.Kind == TomlValueKind.Array && v.Items[0].Kind == TomlValueKind.Integer ? " (write numbers in quotes, e.g. [\"0\"])"
                : "";
            throw WrongType(entry, path, $"an array of strings such as {example}{hint}");
        }
        return v.Items;
    }

    private List<string>? ReadStringList(TomlTable? table, string key, string example)
    {
        if (!TryGet(table, key, out TomlEntry entry, out string path))
        {
            return null;
        }
        IReadOnlyList<TomlValue> items = ExpectStringArray(entry, path, example);
        for (int i = 0; i < items.Count; i++)
        {
            _lines[string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")] = items[i].Line;
        }
        return [.. items.Select(i => i.String)];
    }
}
