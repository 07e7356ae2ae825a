using System.Net;
using System.Net.Sockets;
using Muster.Core;
using Muster.Core.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;

namespace Muster.Transport.Tests;

public class EndpointKeyTests
{
    [Theory]
    [InlineData("10.0.0.1", 5405)]
    [InlineData("fd00::2", 5406)]
    [InlineData("fe80::1", 1)]
    public void TryFrom_SerializedEndpoint_MatchesFromEndpoint(string address, int port)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(address), port);

        Assert.True(EndpointKey.TryFrom(endpoint.Serialize(), out EndpointKey key, out uint scope));

        Assert.Equal(EndpointKey.From(endpoint), (key, scope));
    }

    [Fact]
    public void TryFrom_IPv4MappedSender_MatchesIPv4()
    {
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 5405);

        Assert.True(EndpointKey.TryFrom(mapped.Serialize(), out EndpointKey key, out uint scope));

        Assert.Equal(EndpointKey.From(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5405)), (key, scope));
    }

    [Fact]
    public void TryFrom_LinkLocal_ReadsScope()
    {
        var endpoint = new IPEndPoint(IPAddress.Parse("fe80::2%7"), 5405);

        Assert.True(EndpointKey.TryFrom(endpoint.Serialize(), out _, out uint scope));

        Assert.Equal(7u, scope);
    }

    [Fact]
    public void TryFindSource_ScopeRules()
    {
        var peers = new Dictionary<NodeId, IReadOnlyList<IPEndPoint>>
        {
            [new NodeId(1)] = [new IPEndPoint(IPAddress.Parse("fe80::1"), 5405)],      // any interface
            [new NodeId(2)] = [new IPEndPoint(IPAddress.Parse("fe80::2%3"), 5405)],    // interface 3 only
            [new NodeId(3)] = [new IPEndPoint(IPAddress.Parse("10.0.0.3"), 5405), new IPEndPoint(IPAddress.Parse("10.0.1.3"), 5406)],
        };
        PeerTable table = PeerTable.Build(peers, [], NullLogger.Instance);

        Assert.Equal(new NodeId(1), Find(table, "fe80::1%9", 5405));
        Assert.Equal(new NodeId(2), Find(table, "fe80::2%3", 5405));
        Assert.Equal(NodeId.None, Find(table, "fe80::2%4", 5405));
        Assert.Equal(new NodeId(3), Find(table, "10.0.1.3", 5406));
        Assert.Equal(new NodeId(3), Find(table, "::ffff:10.0.0.3", 5405));
        Assert.Equal(NodeId.None, Find(table, "10.0.0.3", 5406));
    }

    [Fact]
    public void Build_IPv4PeerWithOnlyIPv6Socket_NeedsDualStack()
    {
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        var peers = new Dictionary<NodeId, IReadOnlyList<IPEndPoint>>
        {
            [new NodeId(1)] = [new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5405)],
        };

        // No IPv4 socket and the IPv6 socket is not dual-stack: the node cannot be reached and is left out.
        socket.DualMode = false;
        PeerTable table = PeerTable.Build(peers, [socket], NullLogger.Instance);
        Assert.False(table.TryGetTarget(new NodeId(1), 0, out _));

        socket.DualMode = true;
        table = PeerTable.Build(peers, [socket], NullLogger.Instance);
        Assert.True(table.TryGetTarget(new NodeId(1), 0, out SendTarget? target));
        Assert.Equal(IPAddress.Parse("::ffff:10.0.0.1"), target.Endpoint.Address);
    }

    private static NodeId Find(PeerTable table, string address, int port)
    {
        table.TryFindSource(new IPEndPoint(IPAddress.Parse(address), port).Serialize(), out NodeId node);
        return node;
    }
}
