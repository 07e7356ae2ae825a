using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Muster.Configuration;

// Checks a ClusterConfig as a whole: ranges, names, uniqueness and the rules that tie keys together. Runs on
// every loaded file (with the binder's line map, so messages point at lines) and on configs built in code
// (ConfigLoader.Validate, without lines).
internal sealed class ConfigValidator
{
    public const uint MaxNodeId = 0xFFFF_FFFE;
    public const int MaxAddresses = 8;
    public const int MaxNameLength = 64;

    // sun_path is 108 bytes including the terminating NUL.
    public const int MaxSocketPathBytes = 107;

    // Room an IPC frame needs beyond the largest message: frame header, group name and delivery metadata.
    public const int IpcFrameHeadroom = 4 * 1024;

    public static readonly (int Min, int Max) MessageSizeRange = (1024, 1024 * 1024);
    public static readonly (int Min, int Max) DatagramSizeRange = (576, 65000);
    public static readonly (int Min, int Max) WindowRange = (1, 65536);
    public static readonly (int Min, int Max) PendingBytesRange = (1024, 1024 * 1024 * 1024);
    public static readonly (int Min, int Max) IpcClientsRange = (1, 65536);
    public static readonly (int Min, int Max) IpcQueueRange = (1, 1024 * 1024);
    public static readonly (int Min, int Max) IpcFrameRange = (8 * 1024, 64 * 1024 * 1024);
    public static readonly (int Min, int Max) PriorityRange = (0, 255);
    public static readonly (int Min, int Max) MtuRange = (576, 65535);
    public static readonly TimeSpan MinProbeInterval = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    private readonly ClusterConfig _config;
    private readonly string _source;
    private readonly IReadOnlyDictionary<string, int>? _lines;

    private ConfigValidator(ClusterConfig config, string source, IReadOnlyDictionary<string, int>? lines)
    {
        _config = config;
        _source = source;
        _lines = lines;
    }

    // lines is null for a config built in code: then messages carry no line and say nothing about where a value came from.
    public static void Validate(ClusterConfig config, string source, IReadOnlyDictionary<string, int>? lines) =>
        new ConfigValidator(config, source, lines).Run();

    public static string OutOfRange(string value, (int Min, int Max) range, bool size) =>
        size
            ? $"{value} is out of range (expected {ValueSyntax.FormatSize(range.Min)}..{ValueSyntax.FormatSize(range.Max)})"
            : string.Create(CultureInfo.InvariantCulture, $"{value} is out of range (expected {range.Min}..{range.Max})");

    private void Run()
    {
        ValidateCluster();
        ValidateNodes();
        ValidateTiming();
        ValidateLimits();
        ValidateLinks();
        ValidateIpc();
        ValidateQuorum();
        ValidateFencing();
        ValidateSystemAndLogging();
    }

    private void ValidateFencing()
    {
        FencingConfig f = _config.Fencing;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new HashSet<string>(_config.Nodes.Select(n => n.Name), StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < f.Devices.Count; i++)
        {
            FenceDeviceConfig d = f.Devices[i];
            string prefix = string.Create(CultureInfo.InvariantCulture, $"fence_device[{i}]");
            ConfigException At(string key, string detail) => new(_source, LineOf($"{prefix}.{key}", prefix), $"{prefix}.{key}", detail);
            if (!IsValidName(d.Name))
            {
                throw At("name", $"{ValueSyntax.Quote(d.Name)} is not a valid device name ({NameRule})");
            }
            if (!names.Add(d.Name))
            {
                throw At("name", $"duplicate fence device {ValueSyntax.Quote(d.Name)} (names must be unique)");
            }
            if (string.IsNullOrWhiteSpace(d.Agent))
            {
                throw At("agent", "the agent is empty (e.g. agent = \"fence_ipmilan\")");
            }
            if (d.Timeout < TimeSpan.FromSeconds(1) || d.Timeout > TimeSpan.FromMinutes(10))
            {
                throw At("timeout", $"{ValueSyntax.FormatDuration(d.Timeout)} is out of range (expected 1s .. 10min)");
            }
            if (d.Retries is < 0 or > 10)
            {
                throw At("retries", OutOfRange(d.Retries.ToString(CultureInfo.InvariantCulture), (0, 10), size: false));
            }
            if (d.DelayBase < TimeSpan.Zero || d.DelayBase > MaxDuration || d.DelayMax < TimeSpan.Zero || d.DelayMax > MaxDuration)
            {
                throw At(d.DelayBase < TimeSpan.Zero || d.DelayBase > MaxDuration ? "delay_base" : "delay_max",
                    $"a delay is out of range (expected 0 .. {ValueSyntax.FormatDuration(MaxDuration)})");
            }
            foreach (var (node, _) in d.HostMap)
            {
                if (!nodes.Contains(node))
                {
                    throw At("host_map", $"{ValueSyntax.Quote(node)} is not a node name (nodes: {string.Join(", ", _config.Nodes.Select(n => n.Name))})");
                }
            }
        }

        var levels = new HashSet<(string, int)>();
        for (int i = 0; i < f.Levels.Count; i++)
        {
            FenceLevelConfig l = f.Levels[i];
            string prefix = string.Create(CultureInfo.InvariantCulture, $"fence_level[{i}]");
            ConfigException At(string key, string detail) => new(_source, LineOf($"{prefix}.{key}", prefix), $"{prefix}.{key}", detail);
            if (!nodes.Contains(l.Node))
            {
                throw At("node", $"{ValueSyntax.Quote(l.Node)} is not a node name (nodes: {string.Join(", ", _config.Nodes.Select(n => n.Name))})");
            }
            if (l.Index is < 1 or > 9)
            {
                throw At("index", OutOfRange(l.Index.ToString(CultureInfo.InvariantCulture), (1, 9), size: false));
            }
            if (!levels.Add((l.Node.ToLowerInvariant(), l.Index)))
            {
                throw At("index", string.Create(CultureInfo.InvariantCulture, $"node {ValueSyntax.Quote(l.Node)} has level {l.Index} twice"));
            }
            foreach (string device in l.Devices)
            {
                if (!names.Contains(device))
                {
                    throw At("devices", $"{ValueSyntax.Quote(device)} is not a [[fence_device]] name (devices: {string.Join(", ", names)})");
                }
            }
        }
    }

    // Ranges only: which combinations of quorum options are refused is the quorum service's rule
    // (Muster.Node.Quorum.QuorumOptionsCheck), applied when the daemon starts.
    private void ValidateQuorum()
    {
        for (int i = 0; i < _config.Nodes.Count; i++)
        {
            int votes = _config.Nodes[i].Votes;
            if (votes is < 0 or > NodeConfig.MaxVotes)
            {
                string key = string.Create(CultureInfo.InvariantCulture, $"node[{i}].votes");
                throw new ConfigException(_source, LineOf(key, string.Create(CultureInfo.InvariantCulture, $"node[{i}]")), key,
                    OutOfRange(votes.ToString(CultureInfo.InvariantCulture), (0, NodeConfig.MaxVotes), size: false));
            }
        }

        QuorumConfig q = _config.Quorum;
        if (q.ExpectedVotes is { } expected && expected is < 1 or > QuorumConfig.MaxExpectedVotes)
        {
            throw Fail("quorum.expected_votes", OutOfRange(expected.ToString(CultureInfo.InvariantCulture), (1, QuorumConfig.MaxExpectedVotes), size: false));
        }
        if (q.LastManStandingWindow is { } window && (window <= TimeSpan.Zero || window > MaxDuration))
        {
            throw Fail("quorum.last_man_standing_window",
                $"{ValueSyntax.FormatDuration(window)} is out of range (expected more than 0 and at most {ValueSyntax.FormatDuration(MaxDuration)})");
        }
        if (_config.Nodes.Sum(n => (long)n.Votes) == 0)
        {
            throw new ConfigException(_source, LineOf("node[0].votes", "node[0]"), "node[0].votes",
                "every node has 0 votes: at least one node needs a vote, or no partition could ever be quorate");
        }
    }

    // The line of the first of these paths that the file set; 0 when none (or for a config built in code).
    private int LineOf(params string[] paths)
    {
        if (_lines is null)
        {
            return 0;
        }
        foreach (string path in paths)
        {
            if (_lines.TryGetValue(path, out int line))
            {
                return line;
            }
        }
        return 0;
    }

    private bool IsSet(string path) => _lines is not null && _lines.ContainsKey(path);

    private static string Section(string path) => path[..path.IndexOf('.', StringComparison.Ordinal)];

    private ConfigException Fail(string key, string detail) => new(_source, LineOf(key, Section(key)), key, detail);

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private static string NameRule => $"expected 1 to {MaxNameLength} characters of A-Z a-z 0-9 _ . -";

    private void ValidateCluster()
    {
        if (!IsValidName(_config.ClusterName))
        {
            throw Fail("cluster.name", $"{ValueSyntax.Quote(_config.ClusterName)} is not a valid cluster name ({NameRule})");
        }
        if (_config.Port is < 1 or > 65535)
        {
            throw Fail("cluster.port", OutOfRange(_config.Port.ToString(CultureInfo.InvariantCulture), (1, 65535), size: false));
        }
    }

    private void ValidateNodes()
    {
        if (_config.Nodes.Count == 0)
        {
            throw new ConfigException(_source, 0, "node", "at least one [[node]] is required");
        }
        var ids = new Dictionary<uint, int>();
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var endpoints = new Dictionary<IPEndPoint, int>();
        for (int i = 0; i < _config.Nodes.Count; i++)
        {
            NodeConfig node = _config.Nodes[i];
            string prefix = string.Create(CultureInfo.InvariantCulture, $"node[{i}]");
            string Key(string k) => $"{prefix}.{k}";
            string Where(int other) =>
                LineOf(string.Create(CultureInfo.InvariantCulture, $"node[{other}]")) is var line and > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"node[{other}] on line {line}")
                    : string.Create(CultureInfo.InvariantCulture, $"node[{other}]");

            if (node.Id is 0 or > MaxNodeId)
            {
                throw new ConfigException(_source, LineOf(Key("id"), prefix), Key("id"),
                    string.Create(CultureInfo.InvariantCulture, $"{node.Id} is out of range (expected 1..{MaxNodeId})"));
            }
            if (!ids.TryAdd(node.Id, i))
            {
                throw new ConfigException(_source, LineOf(Key("id"), prefix), Key("id"),
                    $"duplicate node id {node.Id} ({Where(ids[node.Id])} has it too; ids must be unique)");
            }
            if (!IsValidName(node.Name))
            {
                throw new ConfigException(_source, LineOf(Key("name"), prefix), Key("name"),
                    $"{ValueSyntax.Quote(node.Name)} is not a valid node name ({NameRule})");
            }
            if (!names.TryAdd(node.Name, i))
            {
                throw new ConfigException(_source, LineOf(Key("name"), prefix), Key("name"),
                    $"duplicate node name {ValueSyntax.Quote(node.Name)} ({Where(names[node.Name])} has it too; "
                    + "names must be unique, ignoring case)");
            }

            string addressesKey = Key("addresses");
            if (node.Endpoints.Count is 0 or > MaxAddresses)
            {
                throw new ConfigException(_source, LineOf(addressesKey, prefix), addressesKey,
                    $"{node.Endpoints.Count} addresses listed (expected 1 to {MaxAddresses})");
            }
            for (int j = 0; j < node.Endpoints.Count; j++)
            {
                IPEndPoint endpoint = node.Endpoints[j];
                int line = LineOf(string.Create(CultureInfo.InvariantCulture, $"{addressesKey}[{j}]"), addressesKey, prefix);
                if (AddressProblem(endpoint) is { } problem)
                {
                    throw new ConfigException(_source, line, addressesKey, problem);
                }
                var key = new IPEndPoint(AddressMatcher.WithoutScope(endpoint.Address), endpoint.Port);
                if (!endpoints.TryAdd(key, i))
                {
                    int other = endpoints[key];
                    string owner = other == i ? "listed twice for this node" : $"{Where(other)} has it too";
                    throw new ConfigException(_source, line, addressesKey,
                        $"duplicate address {endpoint} ({owner}; every address and port must be unique across the cluster)");
                }
            }
        }
    }

    private static string? AddressProblem(IPEndPoint endpoint)
    {
        IPAddress a = endpoint.Address;
        string? why =
            a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) ? "the unspecified address"
            : a.Equals(IPAddress.Broadcast) ? "the broadcast address"
            : a.IsIPv4MappedToIPv6 ? $"an IPv4-mapped IPv6 address (write {a.MapToIPv4()})"
            : a.AddressFamily == AddressFamily.InterNetwork && (a.GetAddressBytes()[0] & 0xF0) == 0xE0 || a.IsIPv6Multicast
                ? "a multicast address"
            : null;
        if (why is not null)
        {
            return $"{a} is {why}, not a node's address (expected the unicast address the node listens on)";
        }
        return endpoint.Port is < 1 or > 65535 ? $"{endpoint} has port {endpoint.Port}, out of range (expected 1..65535)" : null;
    }

    // "failure_timeout = 250ms" plus where it came from, for the cross-key rules.
    private string Operand(string key, string value, string origin)
    {
        string name = key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..];
        return _lines is null || IsSet(key) ? $"{name} = {value}" : $"{name} = {value} ({origin})";
    }

    private string ProfileOrigin => $"from profile \"{_config.Timing.ProfileName}\"";

    // A rule between two keys fails: blame the first one the file set (it is what the operator wrote), name both.
    private ConfigException FailRule(string keyA, string keyB, string rule, string operandA, string operandB)
    {
        string key = !IsSet(keyA) && IsSet(keyB) ? keyB : keyA;
        return new ConfigException(_source, LineOf(key, Section(key)), key, $"must satisfy {rule}, but {operandA} and {operandB}");
    }

    private void ValidateTiming()
    {
        TimingOptions t = _config.Timing;
        if (!TimingOptions.TryGetProfile(t.ProfileName, out _))
        {
            throw Fail("timing.profile", $"{ValueSyntax.Quote(t.ProfileName)} is not a timing profile (expected \"lan\" or \"test\")");
        }
        (string Key, TimeSpan Value)[] all =
        [
            ("timing.heartbeat_interval", t.HeartbeatInterval),
            ("timing.failure_timeout", t.FailureTimeout),
            ("timing.consensus_timeout", t.ConsensusTimeout),
            ("timing.join_timeout", t.JoinTimeout),
            ("timing.retransmit_interval", t.RetransmitInterval),
            ("timing.merge_interval", t.MergeInterval),
        ];
        foreach ((string key, TimeSpan value) in all)
        {
            CheckDuration(key, value, "timing.profile");
        }

        string D(string key, TimeSpan value) => Operand(key, ValueSyntax.FormatDuration(value), ProfileOrigin);
        if (t.FailureTimeout < 3 * t.HeartbeatInterval)
        {
            // Fewer than three heartbeat periods means two lost or late heartbeats already evict a healthy node.
            throw FailRule("timing.failure_timeout", "timing.heartbeat_interval",
                "timing.failure_timeout >= 3 x timing.heartbeat_interval",
                D("timing.failure_timeout", t.FailureTimeout), D("timing.heartbeat_interval", t.HeartbeatInterval));
        }
        if (t.ConsensusTimeout < 2 * t.RetransmitInterval)
        {
            // A round must survive at least one lost packet and its retransmission.
            throw FailRule("timing.consensus_timeout", "timing.retransmit_interval",
                "timing.consensus_timeout >= 2 x timing.retransmit_interval",
                D("timing.consensus_timeout", t.ConsensusTimeout), D("timing.retransmit_interval", t.RetransmitInterval));
        }
        if (t.RetransmitInterval > t.HeartbeatInterval)
        {
            // Loss must be repaired faster than it is detected, or repair traffic lags failure detection.
            throw FailRule("timing.retransmit_interval", "timing.heartbeat_interval",
                "timing.retransmit_interval <= timing.heartbeat_interval",
                D("timing.retransmit_interval", t.RetransmitInterval), D("timing.heartbeat_interval", t.HeartbeatInterval));
        }
    }

    private void CheckDuration(string key, TimeSpan value, string fallbackPath)
    {
        if (value <= TimeSpan.Zero || value > MaxDuration)
        {
            string found = value < TimeSpan.Zero ? value.ToString() : ValueSyntax.FormatDuration(value);
            bool fromProfile = _lines is not null && !IsSet(key) && key.StartsWith("timing.", StringComparison.Ordinal);
            string origin = fromProfile ? $" {ProfileOrigin}" : "";
            string detail = value <= TimeSpan.Zero
                ? $"must be greater than 0 (found {found}{origin})"
                : $"{found} is too long (expected at most {ValueSyntax.FormatDuration(MaxDuration)})";
            throw new ConfigException(_source, LineOf(key, fallbackPath, Section(key)), key, detail);
        }
    }

    private void ValidateLimits()
    {
        LimitOptions l = _config.Limits;
        CheckRange("limits.max_message_size", l.MaxMessageSize, MessageSizeRange, size: true);
        CheckRange("limits.max_datagram_size", l.MaxDatagramSize, DatagramSizeRange, size: true);
        CheckRange("limits.send_window", l.SendWindow, WindowRange, size: false);
        CheckRange("limits.sequencer_window", l.SequencerWindow, WindowRange, size: false);
        CheckRange("limits.max_pending_bytes", l.MaxPendingBytes, PendingBytesRange, size: true);
        CheckRange("limits.ipc_max_clients", l.IpcMaxClients, IpcClientsRange, size: false);
        CheckRange("limits.ipc_client_queue", l.IpcClientQueue, IpcQueueRange, size: false);
        CheckRange("limits.ipc_client_high_water", l.IpcClientHighWater, IpcQueueRange, size: false);
        CheckDuration("limits.ipc_client_stall_timeout", l.IpcClientStallTimeout, "limits");
        CheckRange("limits.ipc_max_frame", l.IpcMaxFrame, IpcFrameRange, size: true);

        string N(string key, int value) => Operand(key, value.ToString(CultureInfo.InvariantCulture), "default");
        string S(string key, int value) => Operand(key, ValueSyntax.FormatSize(value), "default");
        if (l.SendWindow > l.SequencerWindow)
        {
            // The sequencer must be able to hold a full send window from at least one node.
            throw FailRule("limits.send_window", "limits.sequencer_window", "limits.send_window <= limits.sequencer_window",
                N("limits.send_window", l.SendWindow), N("limits.sequencer_window", l.SequencerWindow));
        }
        if (l.MaxPendingBytes < l.MaxMessageSize)
        {
            // Otherwise a message of the largest allowed size could never be queued.
            throw FailRule("limits.max_pending_bytes", "limits.max_message_size", "limits.max_pending_bytes >= limits.max_message_size",
                S("limits.max_pending_bytes", l.MaxPendingBytes), S("limits.max_message_size", l.MaxMessageSize));
        }
        if (l.IpcClientHighWater >= l.IpcClientQueue)
        {
            // Flow control has to start before the queue is full, or a slow client is cut off without warning.
            throw FailRule("limits.ipc_client_high_water", "limits.ipc_client_queue",
                "limits.ipc_client_high_water < limits.ipc_client_queue",
                N("limits.ipc_client_high_water", l.IpcClientHighWater), N("limits.ipc_client_queue", l.IpcClientQueue));
        }
        if (l.IpcMaxFrame < l.MaxMessageSize + IpcFrameHeadroom)
        {
            // A delivered message travels to the client in one frame, together with its header.
            throw FailRule("limits.ipc_max_frame", "limits.max_message_size",
                $"limits.ipc_max_frame >= limits.max_message_size + {ValueSyntax.FormatSize(IpcFrameHeadroom)}",
                S("limits.ipc_max_frame", l.IpcMaxFrame), S("limits.max_message_size", l.MaxMessageSize));
        }
    }

    private void ValidateLinks()
    {
        LinkOptions links = _config.Links;
        int count = _config.LinkCount;
        if (count > 1)
        {
            // Link i is the i-th address of every node, so a node with fewer addresses would have no end on a link.
            NodeConfig widest = _config.Nodes.First(n => n.Endpoints.Count == count);
            for (int i = 0; i < _config.Nodes.Count; i++)
            {
                NodeConfig node = _config.Nodes[i];
                if (node.Endpoints.Count != count)
                {
                    string key = string.Create(CultureInfo.InvariantCulture, $"node[{i}].addresses");
                    throw new ConfigException(_source, LineOf(key, string.Create(CultureInfo.InvariantCulture, $"node[{i}]")), key,
                        string.Create(CultureInfo.InvariantCulture,
                            $"node {node} lists {node.Endpoints.Count} address(es) but node {widest} lists {count}: link i is the i-th address of every node, so every node must list one address per link (in the same network order)"));
                }
            }
        }

        int links1 = Math.Max(1, count);
        CheckList("links.priority", links.Priorities, PriorityRange, links1, scalarAllowed: false);
        CheckList("links.mtu", links.Mtu, MtuRange, links1, scalarAllowed: true);
        if (links.ProbeInterval is { } probeSet)
        {
            CheckDuration("links.probe_interval", probeSet, "links");
            if (probeSet < MinProbeInterval)
            {
                // Every probe is a sealed datagram per peer per link; faster probing costs CPU and bandwidth and
                // cannot notice a failure sooner than the event loop's own scheduling allows.
                throw Fail("links.probe_interval", $"{ValueSyntax.FormatDuration(probeSet)} is too short (expected at least "
                    + $"{ValueSyntax.FormatDuration(MinProbeInterval)})");
            }
        }
        if (links.LinkTimeout is { } timeoutSet)
        {
            CheckDuration("links.link_timeout", timeoutSet, "links");
        }
        if (count <= 1)
        {
            // With one link there is nothing to fail over to: the probes only measure the round-trip time.
            return;
        }

        TimingOptions t = _config.Timing;
        TimeSpan probe = links.EffectiveProbeInterval(t);
        TimeSpan timeout = links.EffectiveLinkTimeout(t);
        string probeText = Operand("links.probe_interval", ValueSyntax.FormatDuration(probe), "default: timing.heartbeat_interval");
        string timeoutText = Operand("links.link_timeout", ValueSyntax.FormatDuration(timeout), "default");
        if (timeout < 2 * probe)
        {
            // One lost probe must not take a link down.
            throw FailRule("links.link_timeout", "links.probe_interval", "links.link_timeout >= 2 x links.probe_interval",
                timeoutText, probeText);
        }
        if (timeout + probe >= t.FailureTimeout)
        {
            // A failed link is noticed at most one probe interval after link_timeout; that must come before the
            // failure detector evicts a peer that another link still reaches.
            string failure = Operand("timing.failure_timeout", ValueSyntax.FormatDuration(t.FailureTimeout), ProfileOrigin);
            string key = IsSet("links.link_timeout") || !IsSet("links.probe_interval") ? "links.link_timeout" : "links.probe_interval";
            throw new ConfigException(_source, LineOf(key, "timing.failure_timeout", "links", "timing"), key,
                $"must satisfy links.link_timeout + links.probe_interval < timing.failure_timeout (a link must fail over before "
                + $"the peer is declared failed), but {timeoutText}, {probeText} and {failure}");
        }
    }

    private void CheckList(string key, IReadOnlyList<int> values, (int Min, int Max) range, int links, bool scalarAllowed)
    {
        if (values.Count == 0)
        {
            return;
        }
        if (values.Count != links && !(scalarAllowed && values.Count == 1))
        {
            string expected = scalarAllowed
                ? string.Create(CultureInfo.InvariantCulture, $"one value for every link, or {links} values, one per link")
                : string.Create(CultureInfo.InvariantCulture, $"{links} values, one per link");
            throw Fail(key, string.Create(CultureInfo.InvariantCulture,
                $"{values.Count} values listed, but the nodes have {links} link(s) (expected {expected})"));
        }
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] < range.Min || values[i] > range.Max)
            {
                int line = LineOf(string.Create(CultureInfo.InvariantCulture, $"{key}[{i}]"), key, Section(key));
                throw new ConfigException(_source, line, key, string.Create(CultureInfo.InvariantCulture,
                    $"{values[i]} (link {i}) is out of range (expected {range.Min}..{range.Max})"));
            }
        }
    }

    private void CheckRange(string key, int value, (int Min, int Max) range, bool size)
    {
        if (value < range.Min || value > range.Max)
        {
            string shown = size ? ValueSyntax.FormatSize(value) : value.ToString(CultureInfo.InvariantCulture);
            throw Fail(key, OutOfRange(shown, range, size));
        }
    }

    private void ValidateIpc()
    {
        IpcOptions ipc = _config.Ipc;
        CheckAbsolutePath("ipc.socket", ipc.SocketPath);
        if (Encoding.UTF8.GetByteCount(ipc.SocketPath) > MaxSocketPathBytes)
        {
            throw Fail("ipc.socket",
                $"{ValueSyntax.Quote(ipc.SocketPath)} is too long for a Unix socket (expected at most {MaxSocketPathBytes} bytes)");
        }
        if (ipc.SocketMode is < 0 or > 0b111_111_111)
        {
            throw Fail("ipc.socket_mode",
                $"\"{ValueSyntax.FormatMode(ipc.SocketMode)}\" is out of range (expected permission bits \"0000\"..\"0777\")");
        }
        if (ipc.SocketGroup is { } group && !IsValidPrincipal(group))
        {
            throw Fail("ipc.socket_group", $"{ValueSyntax.Quote(group)} is not a valid group name (expected a group name or numeric gid)");
        }
        CheckPrincipals("ipc.allowed_users", ipc.AllowedUsers, "user name or numeric uid");
        CheckPrincipals("ipc.allowed_groups", ipc.AllowedGroups, "group name or numeric gid");
    }

    // User and group names as useradd accepts them, loosely: no whitespace, ':' or ',' (the /etc/passwd and
    // /etc/group separators) and no control characters.
    private static bool IsValidPrincipal(string name) =>
        name.Length is > 0 and <= 256 && !name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ':' or ',');

    private void CheckPrincipals(string key, IReadOnlyList<string> names, string what)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (!IsValidPrincipal(names[i]))
            {
                int line = LineOf(string.Create(CultureInfo.InvariantCulture, $"{key}[{i}]"), key, Section(key));
                throw new ConfigException(_source, line, key,
                    $"{ValueSyntax.Quote(names[i])} is not a valid {what} (expected a non-empty name without spaces, ':' or ',')");
            }
        }
    }

    private void CheckAbsolutePath(string key, string path)
    {
        if (path.Length == 0 || path[0] != '/' || path.Contains('\0'))
        {
            throw Fail(key, $"{ValueSyntax.Quote(path)} is not an absolute path (expected a path starting with '/')");
        }
    }

    private void ValidateSystemAndLogging()
    {
        CheckAbsolutePath("system.state_dir", _config.System.StateDirectory);
        CheckAbsolutePath("security.key_file", _config.Security.KeyFile);
        if (_config.Logging.File is { } file)
        {
            CheckAbsolutePath("logging.file", file);
        }
        if (_config.Logging.Level is < Core.Diagnostics.LogLevel.Debug or > Core.Diagnostics.LogLevel.Error)
        {
            throw Fail("logging.level", $"{_config.Logging.Level} is not a log level (expected debug, info, warning or error)");
        }
    }
}
