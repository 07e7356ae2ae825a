using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Muster.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Muster.Transport.Tests;

public sealed class UdpTransportTests : IDisposable
{
    private static readonly NodeId s_node1 = new(1);
    private static readonly NodeId s_node2 = new(2);
    private static readonly IReadOnlyDictionary<NodeId, IReadOnlyList<IPEndPoint>> s_noPeers =
        new Dictionary<NodeId, IReadOnlyList<IPEndPoint>>();

    private readonly List<IDisposable> _cleanup = [];

    public void Dispose()
    {
        foreach (IDisposable d in _cleanup)
        {
            d.Dispose();
        }
    }

    [Fact]
    public async Task Send_TwoTransportsOnLoopback_DeliverBothWaysWithSourceNode()
    {
        (UdpTransport a, UdpTransport b) = Pair(IPAddress.Loopback);
        var inboxA = new Inbox();
        var inboxB = new Inbox();
        a.Start(inboxA.Handle);
        b.Start(inboxB.Handle);

        a.Send(s_node2, "hello from 1"u8);
        (NodeId source, byte[] data) = await inboxB.NextAsync();
        Assert.Equal(s_node1, source);
        Assert.Equal("hello from 1", Encoding.UTF8.GetString(data));

        b.Send(s_node1, "reply from 2"u8);
        (source, data) = await inboxA.NextAsync();
        Assert.Equal(s_node2, source);
        Assert.Equal("reply from 2", Encoding.UTF8.GetString(data));

        Assert.Equal(1, a.PacketsSent);
        Assert.Equal(12, a.BytesSent);
        Assert.Equal(1, b.PacketsReceived);
        Assert.Equal(12, b.BytesReceived);
        Assert.Equal(1, a.PacketsReceived);
        Assert.Equal(0, a.SendErrors + a.ReceiveErrors + a.UnknownSource + a.OversizeDrops);
    }

    [Fact]
    public async Task Receive_ManyDatagrams_AllArriveInOrder()
    {
        (UdpTransport a, UdpTransport b) = Pair(IPAddress.Loopback);
        var inbox = new Inbox();
        b.Start(inbox.Handle);
        a.Start(_ => { });

        byte[] datagram = new byte[1200];
        for (int i = 0; i < 200; i++)
        {
            BitConverter.TryWriteBytes(datagram, i);
            a.Send(s_node2, datagram);
            // Loopback drops nothing while the receive buffer has room; pace on every 50th to stay well inside it.
            if (i % 50 == 49)
            {
                (_, byte[] got) = await inbox.NextAsync();
                Assert.Equal(i - 49, BitConverter.ToInt32(got));
                for (int j = i - 48; j <= i; j++)
                {
                    (_, got) = await inbox.NextAsync();
                    Assert.Equal(j, BitConverter.ToInt32(got));
                    Assert.Equal(1200, got.Length);
                }
            }
        }
        Assert.Equal(200, b.PacketsReceived);
    }

    [Fact]
    public async Task Receive_UnknownSource_DroppedCountedAndLoggedWithAddress()
    {
        var log = new LogCapture();
        (UdpTransport a, UdpTransport b) = Pair(IPAddress.Loopback, logB: log.Loggers);
        var inbox = new Inbox();
        b.Start(inbox.Handle);

        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        stranger.SendTo("who am I"u8, b.LocalEndpoints[0]);
        // Then a known datagram: the receive thread handles datagrams in order, so once it arrives the first was seen.
        a.Send(s_node2, "known"u8);

        (NodeId source, byte[] data) = await inbox.NextAsync();
        Assert.Equal(s_node1, source);
        Assert.Equal("known", Encoding.UTF8.GetString(data));
        Assert.Equal(1, b.UnknownSource);
        Assert.Equal(1, inbox.Count);

        string line = await log.WaitForAsync("which is not in our node list");
        Assert.Contains($"from {stranger.LocalEndPoint}, which is not in our node list: the node lists differ", line, StringComparison.Ordinal);
        var unknown = Assert.Single(b.RecentUnknownSources());
        Assert.Equal(stranger.LocalEndPoint!.ToString(), unknown.Endpoint);
        Assert.Equal(1, unknown.Datagrams);
        // Nothing goes back to a source outside the node list: the transport sent nothing at all.
        Assert.Equal(0, b.PacketsSent);
        Assert.Equal(0, stranger.Available);
    }

    [Fact]
    public async Task Receive_ManyUnknownSources_EachNamedOnce_TableAndLogBounded()
    {
        var log = new LogCapture();
        (UdpTransport a, UdpTransport b) = Pair(IPAddress.Loopback, logB: log.Loggers);
        var inbox = new Inbox();
        b.Start(inbox.Handle);
        var strangers = new List<Socket>();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                strangers.Add(s);
                s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                s.SendTo("x"u8, b.LocalEndpoints[0]);
                s.SendTo("y"u8, b.LocalEndpoints[0]);
            }

            a.Send(s_node2, "known"u8);
            await inbox.NextAsync();

            Assert.Equal(40, b.UnknownSource);
            var recent = b.RecentUnknownSources();
            Assert.Equal(16, recent.Count);
            Assert.All(recent, r => Assert.Equal(2, r.Datagrams));
            // One line per tracked source (its second datagram within the interval is not logged), one for the rest.
            var lines = log.Lines.Where(l => l.Contains("not in our node list", StringComparison.Ordinal)).ToList();
            Assert.Equal(17, lines.Count);
            Assert.Single(lines, l => l.Contains("more addresses", StringComparison.Ordinal));
            Assert.Equal(0, b.PacketsSent);
        }
        finally
        {
            foreach (var s in strangers)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public async Task Receive_SameAddressOtherPort_IsUnknown()
    {
        // The port matters: a second process on node 1's machine is not node 1.
        (UdpTransport a, UdpTransport b) = Pair(IPAddress.Loopback);
        var inbox = new Inbox();
        b.Start(inbox.Handle);
        using var sameHost = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sameHost.Bind(new IPEndPoint(a.LocalEndpoints[0].Address, 0));

        sameHost.SendTo("impostor"u8, b.LocalEndpoints[0]);
        a.Send(s_node2, "real"u8);

        (_, byte[] data) = await inbox.NextAsync();
        Assert.Equal("real", Encoding.UTF8.GetString(data));
        Assert.Equal(1, b.UnknownSource);
    }

    [Fact]
    public async Task Receive_Oversize_DroppedAndCounted()
    {
        var log = new LogCapture();
        (UdpTransport a, UdpTransport b) = Pair(IPAddress.Loopback, maxDatagramB: 100, logB: log.Loggers);
        var inbox = new Inbox();
        b.Start(inbox.Handle);

        a.Send(s_node2, new byte[101]);
        a.Send(s_node2, new byte[100]);

        (_, byte[] data) = await inbox.NextAsync();
        Assert.Equal(100, data.Length);
        Assert.Equal(1, b.OversizeDrops);
        Assert.Equal(1, b.PacketsReceived);
        await log.WaitForAsync("dropped 101-byte datagram from node 1");
    }

    [Fact]
    public async Task Receive_HandlerThrows_CountedAndThreadCarriesOn()
    {
        (UdpTransport a, UdpTransport b) = Pair(IPAddress.Loopback);
        var inbox = new Inbox();
        b.Start(d =>
        {
            if (d.Span.SequenceEqual("boom"u8))
            {
                throw new InvalidOperationException("handler bug");
            }
            inbox.Handle(d);
        });

        a.Send(s_node2, "boom"u8);
        a.Send(s_node2, "fine"u8);

        (_, byte[] data) = await inbox.NextAsync();
        Assert.Equal("fine", Encoding.UTF8.GetString(data));
        Assert.Equal(1, b.HandlerErrors);
    }

    [Fact]
    public void Send_UnknownDestination_CountedNotThrown()
    {
        var log = new LogCapture();
        UdpTransport a = Track(new UdpTransport(Options(IPAddress.Loopback, s_noPeers), log.Loggers));

        a.Send(new NodeId(9), "x"u8);

        Assert.Equal(1, a.SendErrors);
        Assert.Equal(0, a.PacketsSent);
        Assert.Contains(log.Lines, l => l.Contains("node 9", StringComparison.Ordinal));
    }

    [Fact]
    public void Send_LargerThanMaximum_Throws()
    {
        (UdpTransport a, _) = Pair(IPAddress.Loopback);
        Assert.Throws<ArgumentException>(() => a.Send(s_node2, new byte[UdpTransportOptions.DefaultMaxDatagramSize + 1]));
    }

    [Fact]
    public void Send_ErrorsAreRateLimited()
    {
        var log = new LogCapture();
        UdpTransportOptions options = Options(IPAddress.Loopback, s_noPeers) with { LogInterval = TimeSpan.FromHours(1) };
        UdpTransport a = Track(new UdpTransport(options, log.Loggers));

        for (int i = 0; i < 100; i++)
        {
            a.Send(new NodeId(9), "x"u8);
        }

        Assert.Equal(100, a.SendErrors);
        Assert.Single(log.Lines, l => l.Contains("node 9", StringComparison.Ordinal));
    }

    [Fact]
    public void Dispose_StopsReceiveThreadPromptly()
    {
        (UdpTransport a, _) = Pair(IPAddress.Loopback);
        var inbox = new Inbox();
        a.Start(inbox.Handle);
        Thread thread = Assert.Single(a.ReceiveThreads)!;
        Assert.True(thread.IsAlive);
        Assert.Equal("muster-udp-rx", thread.Name);
        Assert.True(thread.IsBackground);

        var watch = Stopwatch.StartNew();
        a.Dispose();

        Assert.False(thread.IsAlive);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"Dispose took {watch.Elapsed}");
        Assert.Equal(0, a.ReceiveErrors);
        Assert.Throws<ObjectDisposedException>(() => a.Send(s_node2, "late"u8));
        a.Dispose();
    }

    [Fact]
    public void Dispose_NeverStarted_IsFine()
    {
        (UdpTransport a, _) = Pair(IPAddress.Loopback);
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Start(_ => { }));
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        (UdpTransport a, _) = Pair(IPAddress.Loopback);
        a.Start(_ => { });
        Assert.Throws<InvalidOperationException>(() => a.Start(_ => { }));
    }

    [Fact]
    public async Task Send_IPv6Loopback_Works()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Skip("IPv6 is not supported on this machine");
        }

        UdpTransport a;
        UdpTransport b;
        try
        {
            (a, b) = Pair(IPAddress.IPv6Loopback);
        }
        catch (IOException e)
        {
            Assert.Skip($"cannot bind [::1] ({e.Message}); IPv6 loopback is unavailable here");
            throw;
        }
        var inbox = new Inbox();
        b.Start(inbox.Handle);

        a.Send(s_node2, "over v6"u8);

        (NodeId source, byte[] data) = await inbox.NextAsync();
        Assert.Equal(s_node1, source);
        Assert.Equal("over v6", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task DualStackSocket_TalksToIPv4Peer()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Skip("IPv6 is not supported on this machine");
        }

        UdpTransport a = Track(new UdpTransport(Options(IPAddress.Loopback, s_noPeers), NullLoggerFactory.Instance));
        UdpTransport b = Track(new UdpTransport(Options(IPAddress.IPv6Any, s_noPeers), NullLoggerFactory.Instance));
        var bOnV4 = new IPEndPoint(IPAddress.Loopback, b.LocalEndpoints[0].Port);
        a.SetPeers(new Dictionary<NodeId, IReadOnlyList<IPEndPoint>> { [s_node2] = [bOnV4] });
        b.SetPeers(new Dictionary<NodeId, IReadOnlyList<IPEndPoint>> { [s_node1] = [a.LocalEndpoints[0]] });
        var inboxA = new Inbox();
        var inboxB = new Inbox();
        a.Start(inboxA.Handle);
        b.Start(inboxB.Handle);

        a.Send(s_node2, "v4 to dual"u8);
        // The dual-stack socket sees the sender as ::ffff:127.0.0.1, which must still map to node 1.
        Assert.Equal(s_node1, (await inboxB.NextAsync()).Source);

        b.Send(s_node1, "dual to v4"u8);
        Assert.Equal(s_node2, (await inboxA.NextAsync()).Source);
    }

    [Fact]
    public void Constructor_PortInUse_ThrowsNamingEndpoint()
    {
        (UdpTransport a, _) = Pair(IPAddress.Loopback);
        IPEndPoint taken = a.LocalEndpoints[0];

        var e = Assert.Throws<IOException>(() => new UdpTransport(Options(taken, s_noPeers), NullLoggerFactory.Instance));

        Assert.Contains(taken.ToString(), e.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(e.InnerException);
    }

    [Fact]
    public void Constructor_EndpointOfTwoNodes_Throws()
    {
        var shared = new IPEndPoint(IPAddress.Loopback, 5405);
        var peers = new Dictionary<NodeId, IReadOnlyList<IPEndPoint>> { [s_node1] = [shared], [s_node2] = [shared] };

        var e = Assert.Throws<ArgumentException>(() => new UdpTransport(Options(IPAddress.Loopback, peers), NullLoggerFactory.Instance));
        Assert.Contains("127.0.0.1:5405", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_ListsEveryCounter()
    {
        (UdpTransport a, _) = Pair(IPAddress.Loopback);
        a.Send(s_node2, "x"u8);

        IReadOnlyList<KeyValuePair<string, long>> snapshot = a.Snapshot();

        Assert.Equal(
            ["udp_packets_sent", "udp_bytes_sent", "udp_packets_received", "udp_bytes_received", "udp_unknown_source",
             "udp_oversize_dropped", "udp_send_errors", "udp_receive_errors", "udp_handler_errors",
             "udp_send_too_big"],
            snapshot.Select(p => p.Key));
        Assert.Equal(1, snapshot[0].Value);
    }

    [Fact]
    public async Task Send_OnEachLink_LeavesFromThatLinksSocket_AndArrivesWithThatLinkIndex()
    {
        IPEndPoint[] Two() => [new(IPAddress.Loopback, 0), new(IPAddress.Parse("127.0.0.2"), 0)];
        UdpTransport a = Track(new UdpTransport(Options(Two()[0], s_noPeers) with { Bind = Two(), DontFragment = true }, NullLoggerFactory.Instance));
        UdpTransport b = Track(new UdpTransport(Options(Two()[0], s_noPeers) with { Bind = Two(), DontFragment = true }, NullLoggerFactory.Instance));
        a.SetPeers(new Dictionary<NodeId, IReadOnlyList<IPEndPoint>> { [s_node2] = [.. b.LocalEndpoints] });
        b.SetPeers(new Dictionary<NodeId, IReadOnlyList<IPEndPoint>> { [s_node1] = [.. a.LocalEndpoints] });
        var received = System.Threading.Channels.Channel.CreateUnbounded<(NodeId Source, int Link, byte Tag)>();
        b.Start(d =>
        {
            received.Writer.TryWrite((d.Source, d.Link, d.Span[0]));
            d.Return();
        });
        a.Start(_ => { });

        a.Send(s_node2, 1, [11]);
        a.Send(s_node2, 0, [10]);
        var got = new[]
        {
            await received.Reader.ReadAsync(TestSupport.Token).AsTask().WaitAsync(TestSupport.Deadline, TestSupport.Token),
            await received.Reader.ReadAsync(TestSupport.Token).AsTask().WaitAsync(TestSupport.Deadline, TestSupport.Token),
        };
        Assert.Equal([(s_node1, 0, (byte)10), (s_node1, 1, (byte)11)], got.OrderBy(g => g.Link));
        Assert.Equal(b.LocalEndpoints[1], a.PeerEndpoint(s_node2, 1));
        Assert.Null(a.PeerEndpoint(s_node2, 2));

        a.Send(s_node2, 2, [12]);
        Assert.Equal(1, a.SendErrors);
    }

    [Fact]
    public void LocalAddresses_IncludesLoopback()
    {
        IReadOnlyList<IPAddress> local = UdpTransport.LocalAddresses();

        Assert.Contains(IPAddress.Loopback, local);
        Assert.Contains(IPAddress.IPv6Loopback, local);
        Assert.Equal(local.Count, local.Distinct().Count());
    }

    private (UdpTransport A, UdpTransport B) Pair(
        IPAddress address, int maxDatagramB = UdpTransportOptions.DefaultMaxDatagramSize, ILoggerFactory? logB = null)
    {
        // Bind first (port 0), then tell each about the other's port.
        UdpTransport a = Track(new UdpTransport(Options(address, s_noPeers), NullLoggerFactory.Instance));
        UdpTransport b = Track(new UdpTransport(Options(address, s_noPeers) with { MaxDatagramSize = maxDatagramB }, logB ?? NullLoggerFactory.Instance));
        a.SetPeers(new Dictionary<NodeId, IReadOnlyList<IPEndPoint>> { [s_node2] = [b.LocalEndpoints[0]] });
        b.SetPeers(new Dictionary<NodeId, IReadOnlyList<IPEndPoint>> { [s_node1] = [a.LocalEndpoints[0]] });
        return (a, b);
    }

    private static UdpTransportOptions Options(IPAddress address, IReadOnlyDictionary<NodeId, IReadOnlyList<IPEndPoint>> peers) =>
        Options(new IPEndPoint(address, 0), peers);

    private static UdpTransportOptions Options(IPEndPoint bind, IReadOnlyDictionary<NodeId, IReadOnlyList<IPEndPoint>> peers) =>
        new() { Bind = [bind], Peers = peers, ReceiveBufferSize = 1 << 20, SendBufferSize = 1 << 20 };

    private UdpTransport Track(UdpTransport transport)
    {
        _cleanup.Add(transport);
        return transport;
    }
}
