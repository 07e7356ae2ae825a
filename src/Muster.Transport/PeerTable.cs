using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Muster.Core;
using Muster.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Muster.Transport;

// Where to send to each node and which node a source endpoint belongs to. Immutable once built, so the receive
// threads and the sending thread read it without locks; SetPeers swaps in a new one.
internal sealed class PeerTable
{
    private readonly Dictionary<EndpointKey, Source[]> _sources;
    private readonly Dictionary<NodeId, SendTarget?[]> _targets;

    private PeerTable(Dictionary<EndpointKey, Source[]> sources, Dictionary<NodeId, SendTarget?[]> targets)
    {
        _sources = sources;
        _targets = targets;
    }

    public int TargetCount => _targets.Count;

    // Throws ArgumentException for an endpoint configured for two nodes or an invalid node id.
    public static PeerTable Build(
        IReadOnlyDictionary<NodeId, IReadOnlyList<IPEndPoint>> peers, IReadOnlyList<Socket> sockets, ILogger logger)
    {
        var sources = new Dictionary<EndpointKey, List<Source>>();
        var targets = new Dictionary<NodeId, SendTarget?[]>();
        foreach ((NodeId node, IReadOnlyList<IPEndPoint> endpoints) in peers)
        {
            if (!node.IsValid)
            {
                throw new ArgumentException($"node id {node} is not valid", nameof(peers));
            }

            foreach (IPEndPoint endpoint in endpoints)
            {
                (EndpointKey key, uint scope) = EndpointKey.From(endpoint);
                if (!sources.TryGetValue(key, out List<Source>? list))
                {
                    list = [];
                    sources.Add(key, list);
                }
                foreach (Source existing in list)
                {
                    if (existing.ScopeId == scope && existing.Node != node)
                    {
                        throw new ArgumentException(
                            $"endpoint {endpoint} is configured for both node {existing.Node} and node {node}", nameof(peers));
                    }
                }
                list.Add(new Source(scope, node));
            }

            var links = new SendTarget?[endpoints.Count];
            for (int link = 0; link < endpoints.Count; link++)
            {
                if (TryCreateTarget(node, link, endpoints[link], sockets, out SendTarget? target))
                {
                    links[link] = target;
                }
                else
                {
                    TransportLog.Unreachable(logger, node, link, endpoints[link]);
                }
            }
            targets.Add(node, links);
        }

        return new PeerTable(sources.ToDictionary(p => p.Key, p => p.Value.ToArray()), targets);
    }

    public bool TryFindSource(SocketAddress from, out NodeId node)
    {
        if (EndpointKey.TryFrom(from, out EndpointKey key, out uint scope) && _sources.TryGetValue(key, out Source[]? candidates))
        {
            foreach (Source candidate in candidates)
            {
                // A configured IPv6 address without a scope matches any interface; with one, the interfaces must agree.
                if (candidate.ScopeId == 0 || scope == 0 || candidate.ScopeId == scope)
                {
                    node = candidate.Node;
                    return true;
                }
            }
        }
        node = NodeId.None;
        return false;
    }

    public bool TryGetTarget(NodeId node, int link, [MaybeNullWhen(false)] out SendTarget target)
    {
        target = _targets.TryGetValue(node, out SendTarget?[]? links) && (uint)link < (uint)links.Length ? links[link] : null;
        return target is not null;
    }

    // Sends over link i from the local socket of link i (socket i), so the datagram leaves from this node's address on
    // that network and arrives on the peer's socket of the same link; when that socket cannot reach the destination
    // (another address family), the first socket of the destination's family, or else a dual-stack IPv6 socket.
    private static bool TryCreateTarget(
        NodeId node, int link, IPEndPoint destination, IReadOnlyList<Socket> sockets, [MaybeNullWhen(false)] out SendTarget target)
    {
        IEnumerable<Socket> preferred = link < sockets.Count ? [sockets[link], .. sockets] : sockets;
        foreach (Socket socket in preferred)
        {
            if (socket.AddressFamily == destination.AddressFamily)
            {
                IPEndPoint to = destination;
                if (destination.Address is { IsIPv6LinkLocal: true, ScopeId: 0 }
                    && socket.LocalEndPoint is IPEndPoint { Address: { IsIPv6LinkLocal: true, ScopeId: not 0 } local })
                {
                    // A link-local destination needs an interface; use the one the socket is bound to.
                    to = new IPEndPoint(new IPAddress(destination.Address.GetAddressBytes(), local.ScopeId), destination.Port);
                }
                target = new SendTarget(node, link, socket, to);
                return true;
            }
        }
        foreach (Socket socket in sockets)
        {
            if (destination.AddressFamily == AddressFamily.InterNetwork
                && socket is { AddressFamily: AddressFamily.InterNetworkV6, DualMode: true })
            {
                target = new SendTarget(node, link, socket, new IPEndPoint(destination.Address.MapToIPv6(), destination.Port));
                return true;
            }
        }
        target = null;
        return false;
    }

    private readonly record struct Source(uint ScopeId, NodeId Node);
}

// One node's send address on one link, serialised once so Send does not allocate.
internal sealed class SendTarget(NodeId node, int link, Socket socket, IPEndPoint endpoint)
{
    public NodeId Node { get; } = node;
    public int Link { get; } = link;
    public Socket Socket { get; } = socket;
    public IPEndPoint Endpoint { get; } = endpoint;
    public SocketAddress Address { get; } = endpoint.Serialize();
    public string LogKey { get; } = $"send-error {node}/{link}";
}
