using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Muster.Configuration;

/// <summary>A whole cluster configuration (one <c>muster.toml</c>): the cluster, its nodes and the daemon's settings.</summary>
/// <remarks>
/// Every node of a cluster reads the same file; <see cref="FindLocalNode"/> picks the entry that is this machine.
/// Build one with <see cref="ConfigLoader"/>; one built in code can be checked with <see cref="ConfigLoader.Validate"/>
/// and written out with <see cref="ConfigWriter"/>. Equality compares the settings (lists element by element)
/// and ignores <see cref="SourcePath"/>, so a reloaded file that did not change compares equal.
/// </remarks>
public sealed record ClusterConfig
{
    /// <summary>The default <see cref="Port"/>: the UDP port Corosync uses too, since a node runs one or the other.</summary>
    public const int DefaultPort = 5405;

    private EndpointIndex? _index;

    /// <summary>The cluster's name (<c>cluster.name</c>), 1..64 characters of A-Z a-z 0-9 _ . -.</summary>
    public required string ClusterName { get; init; }

    /// <summary>The configuration's version (<c>cluster.config_version</c>); default 0.</summary>
    public ulong ConfigVersion { get; init; }

    /// <summary>UDP port of every node address that does not name its own (<c>cluster.port</c>); default 5405.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The members (<c>[[node]]</c>), in file order; at least one.</summary>
    public required IReadOnlyList<NodeConfig> Nodes { get; init; }

    /// <summary>Protocol timers (<c>[timing]</c>).</summary>
    public TimingOptions Timing { get; init; } = TimingOptions.Lan;

    /// <summary>Sizes and queue bounds (<c>[limits]</c>).</summary>
    public LimitOptions Limits { get; init; } = new();

    /// <summary>The local client socket (<c>[ipc]</c>).</summary>
    public IpcOptions Ipc { get; init; } = new();

    /// <summary>Operating-system settings (<c>[system]</c>).</summary>
    public SystemOptions System { get; init; } = new();

    /// <summary>Encryption and the key file (<c>[security]</c>).</summary>
    public SecurityOptions Security { get; init; } = new();

    /// <summary>Redundant links, their MTUs and probing (<c>[links]</c>).</summary>
    public LinkOptions Links { get; init; } = new();

    /// <summary>The number of links: link <c>i</c> is the <c>i</c>-th address of every node.</summary>
    /// <remarks>The validator makes every node list the same number of addresses when this is more than one.</remarks>
    public int LinkCount => Nodes.Count == 0 ? 0 : Nodes.Max(n => n.Endpoints.Count);

    /// <summary>
    /// The UDP payload that fits link <paramref name="link"/>'s MTU: the MTU minus the IP and UDP headers (48 bytes
    /// when any node's address on the link is IPv6, else 28), and never more than <c>limits.max_datagram_size</c>.
    /// </summary>
    public int LinkDatagramBudget(int link)
    {
        bool ipv6 = Nodes.Any(n => link < n.Endpoints.Count
            && n.Endpoints[link].AddressFamily == AddressFamily.InterNetworkV6);
        int budget = Links.MtuOf(link) - (ipv6 ? LinkOptions.Ipv6Overhead : LinkOptions.Ipv4Overhead);
        return Math.Min(budget, Limits.MaxDatagramSize);
    }

    /// <summary>The largest datagram that fits every link, so any packet can fail over to any link.</summary>
    public int DatagramBudget
    {
        get
        {
            int budget = Limits.MaxDatagramSize;
            for (int link = 0; link < Math.Max(1, LinkCount); link++)
            {
                budget = Math.Min(budget, LinkDatagramBudget(link));
            }
            return budget;
        }
    }

    /// <summary>Quorum options (<c>[quorum]</c>); each node's votes are in its <c>[[node]]</c>.</summary>
    public QuorumConfig Quorum { get; init; } = new();

    /// <summary>Fence devices and levels (<c>[fencing]</c>, <c>[[fence_device]]</c>, <c>[[fence_level]]</c>).</summary>
    public FencingConfig Fencing { get; init; } = new();

    /// <summary>Logging (<c>[logging]</c>).</summary>
    public LoggingOptions Logging { get; init; } = new();

    /// <summary>The Prometheus endpoint (<c>[metrics]</c>); off by default.</summary>
    public MetricsOptions Metrics { get; init; } = new();

    /// <summary>The file this configuration was loaded from, or null when it was parsed from text or built in code.</summary>
    public string? SourcePath { get; init; }

    // Name used in error messages: the file path, or the source name given to ConfigLoader.Parse.
    internal string SourceName { get => field ?? SourcePath ?? "configuration"; init; }

    /// <summary>The node with this id, or null.</summary>
    public NodeConfig? FindNode(uint id)
    {
        foreach (NodeConfig node in Nodes)
        {
            if (node.Id == id)
            {
                return node;
            }
        }
        return null;
    }

    /// <summary>Finds the node that owns the endpoint a datagram came from: both the address and the port must match.</summary>
    /// <remarks>
    /// An IPv4-mapped IPv6 sender (from a dual-stack socket) matches the IPv4 address; an IPv6 address configured
    /// without a scope matches a sender with any scope.
    /// </remarks>
    public bool TryFindNode(IPEndPoint from, [MaybeNullWhen(false)] out NodeConfig node)
    {
        EndpointIndex index = _index is { } cached && ReferenceEquals(cached.Nodes, Nodes) ? cached : (_index = new EndpointIndex(Nodes));
        return index.TryFind(from, out node);
    }

    /// <summary>Decides which node this machine is.</summary>
    /// <param name="nodeArgument">
    /// A node name (compared ignoring case) or id from the command line, or null. When given, it must match exactly one node.
    /// </param>
    /// <param name="localAddresses">This machine's addresses, used when <paramref name="nodeArgument"/> is null or empty.</param>
    /// <returns>
    /// The node named by <paramref name="nodeArgument"/>; otherwise the one node that has an address of this machine.
    /// </returns>
    /// <exception cref="ConfigException">
    /// Nothing matches, or (without <paramref name="nodeArgument"/>) more than one node has a local address; the
    /// message lists the candidates.
    /// </exception>
    public NodeConfig FindLocalNode(string? nodeArgument, IEnumerable<IPAddress> localAddresses)
    {
        if (!string.IsNullOrWhiteSpace(nodeArgument))
        {
            return FindByArgument(nodeArgument.Trim());
        }

        List<IPAddress> local = [.. localAddresses];
        var candidates = new List<(NodeConfig Node, IPEndPoint Endpoint)>();
        foreach (NodeConfig node in Nodes)
        {
            IPEndPoint? hit = node.Endpoints.FirstOrDefault(e => local.Any(a => AddressMatcher.Matches(e.Address, a)));
            if (hit is not null)
            {
                candidates.Add((node, hit));
            }
        }

        if (candidates.Count == 1)
        {
            return candidates[0].Node;
        }
        if (candidates.Count == 0)
        {
            string nodes = string.Join(", ", Nodes.Select(n => $"{n} ({string.Join(", ", n.Endpoints.Select(e => e.Address))})"));
            string here = local.Count == 0 ? "none found" : string.Join(", ", local);
            throw new ConfigException(SourceName, 0, "node",
                $"no node has an address of this machine (nodes: {nodes}; local addresses: {here}); "
                + "name this node with --node <name|id>");
        }
        string list = string.Join(", ", candidates.Select(c => $"{c.Node} ({c.Endpoint})"));
        throw new ConfigException(SourceName, 0, "node",
            $"more than one node has an address of this machine: {list}; name this node with --node <name|id>");
    }

    private NodeConfig FindByArgument(string argument)
    {
        NodeConfig? byName = Nodes.FirstOrDefault(n => string.Equals(n.Name, argument, StringComparison.OrdinalIgnoreCase));
        NodeConfig? byId = uint.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out uint id) ? FindNode(id) : null;
        if (byName is not null && byId is not null && !ReferenceEquals(byName, byId))
        {
            throw new ConfigException(SourceName, 0, "node",
                $"\"{argument}\" is both the name of node {byName} and the id of node {byId}; use the other node's name instead");
        }
        return byName ?? byId ?? throw new ConfigException(SourceName, 0, "node",
            $"no node is named or numbered \"{argument}\" (nodes: {string.Join(", ", Nodes)})");
    }

    /// <inheritdoc/>
    public bool Equals(ClusterConfig? other) =>
        other is not null
        && ClusterName == other.ClusterName
        && ConfigVersion == other.ConfigVersion
        && Port == other.Port
        && Nodes.SequenceEqual(other.Nodes)
        && Timing == other.Timing
        && Limits == other.Limits
        && Ipc == other.Ipc
        && System == other.System
        && Security == other.Security
        && Links == other.Links
        && Quorum == other.Quorum
        && Fencing == other.Fencing
        && Logging == other.Logging
        && Metrics == other.Metrics;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ClusterName, ConfigVersion, Port, Nodes.Count, Timing, Limits, Ipc, Logging);

    // Endpoint -> node lookup for the receive path, built once per node list.
    private sealed class EndpointIndex
    {
        private readonly Dictionary<IPEndPoint, List<(IPEndPoint Configured, NodeConfig Node)>> _byEndpoint = [];

        public EndpointIndex(IReadOnlyList<NodeConfig> nodes)
        {
            Nodes = nodes;
            foreach (NodeConfig node in nodes)
            {
                foreach (IPEndPoint endpoint in node.Endpoints)
                {
                    var key = new IPEndPoint(AddressMatcher.WithoutScope(endpoint.Address), endpoint.Port);
                    if (!_byEndpoint.TryGetValue(key, out List<(IPEndPoint, NodeConfig)>? list))
                    {
                        list = [];
                        _byEndpoint.Add(key, list);
                    }
                    list.Add((endpoint, node));
                }
            }
        }

        public IReadOnlyList<NodeConfig> Nodes { get; }

        public bool TryFind(IPEndPoint from, [MaybeNullWhen(false)] out NodeConfig node)
        {
            var key = new IPEndPoint(AddressMatcher.WithoutScope(AddressMatcher.Normalize(from.Address)), from.Port);
            if (_byEndpoint.TryGetValue(key, out List<(IPEndPoint Configured, NodeConfig Node)>? list))
            {
                foreach ((IPEndPoint configured, NodeConfig candidate) in list)
                {
                    if (AddressMatcher.Matches(configured.Address, from.Address))
                    {
                        node = candidate;
                        return true;
                    }
                }
            }
            node = null;
            return false;
        }
    }
}

// Address comparison shared by the endpoint lookup and the local-node rule.
internal static class AddressMatcher
{
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static IPAddress WithoutScope(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address;

    // A configured IPv6 address without a scope matches any scope; with one, the scopes must be equal.
    public static bool Matches(IPAddress configured, IPAddress actual)
    {
        actual = Normalize(actual);
        if (configured.AddressFamily != actual.AddressFamily)
        {
            return false;
        }
        if (configured.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return configured.Equals(actual);
        }
        return WithoutScope(configured).Equals(WithoutScope(actual))
            && (configured.ScopeId == 0 || actual.ScopeId == 0 || configured.ScopeId == actual.ScopeId);
    }
}
