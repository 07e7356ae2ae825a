using System.Net;
using System.Threading.Channels;
using Muster.Core;
using Muster.Transport.InMemory;

namespace Muster.Transport.Tests;

/// <summary>The in-memory network: asynchronous delivery on the receiver's thread, link and partition controls, bounded queues.</summary>
public sealed class InMemoryTransportTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly NodeId s_a = new(1);
    private static readonly NodeId s_b = new(2);
    private static readonly NodeId s_c = new(3);

    /// <summary>Collects what a transport delivers, with the thread it ran on.</summary>
    private sealed class Sink
    {
        private readonly Channel<(NodeId Source, int Link, byte[] Data, Thread Thread)> _received =
            Channel.CreateUnbounded<(NodeId, int, byte[], Thread)>();

        public Func<bool>? Gate { get; set; }

        public void Handle(ReceivedDatagram datagram)
        {
            Gate?.Invoke();
            _received.Writer.TryWrite((datagram.Source, datagram.Link, datagram.Span.ToArray(), Thread.CurrentThread));
            datagram.Return();
        }

        public async Task<(NodeId Source, int Link, byte[] Data, Thread Thread)> NextAsync() =>
            await _received.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

        public int Count => _received.Reader.Count;
    }

    private static IPEndPoint[] Endpoints(NodeId node, int links) =>
        [.. Enumerable.Range(0, links).Select(l => new IPEndPoint(new IPAddress([127, 0, (byte)l, (byte)(10 + node.Value)]), 5405))];

    private static (InMemoryTransport Transport, Sink Sink) Attach(InMemoryNetwork network, NodeId node, int links = 1, bool start = true)
    {
        var all = new[] { s_a, s_b, s_c };
        var transport = network.Attach(node, Endpoints(node, links), all.Where(n => n != node));
        var sink = new Sink();
        if (start)
        {
            transport.Start(sink.Handle);
        }

        return (transport, sink);
    }

    private static long Counter(InMemoryTransport transport, string name) => transport.Snapshot().First(c => c.Key == name).Value;

    [Fact]
    public async Task Send_IsDeliveredOnTheReceiversOwnThread_NotInsideSend()
    {
        var network = new InMemoryNetwork();
        var (a, _) = Attach(network, s_a);
        var (b, sinkB) = Attach(network, s_b);
        using var _a = a;
        using var _b = b;
        using var release = new ManualResetEventSlim();
        // The handler cannot finish until Send has returned: delivery inside Send would never get past the gate.
        sinkB.Gate = () => release.Wait(s_wait);

        a.Send(s_b, 0, [1, 2, 3]);
        release.Set();

        var got = await sinkB.NextAsync();
        Assert.Equal(s_a, got.Source);
        Assert.Equal([1, 2, 3], got.Data);
        Assert.NotSame(Thread.CurrentThread, got.Thread);
        Assert.Equal("muster-mem-rx", got.Thread.Name);
        Assert.Equal(1, Counter(a, "mem_packets_sent"));
        Assert.Equal(1, Counter(b, "mem_packets_received"));
    }

    [Fact]
    public async Task Datagrams_ArriveInTheOrderSent_OnTheirLink()
    {
        var network = new InMemoryNetwork();
        var (a, _) = Attach(network, s_a, links: 2);
        var (b, sinkB) = Attach(network, s_b, links: 2);
        using var _a = a;
        using var _b = b;

        for (byte i = 0; i < 50; i++)
        {
            a.Send(s_b, i % 2, [i]);
        }

        for (byte i = 0; i < 50; i++)
        {
            var got = await sinkB.NextAsync();
            Assert.Equal(i, got.Data[0]);
            Assert.Equal(i % 2, got.Link);
        }

        Assert.Equal(Endpoints(s_b, 2)[1], a.PeerEndpoint(s_b, 1));
        Assert.Null(a.PeerEndpoint(s_b, 2));
    }

    [Fact]
    public async Task CutLink_DropsOneDirectionOfOneLink_UntilRestored()
    {
        var network = new InMemoryNetwork();
        var (a, sinkA) = Attach(network, s_a, links: 2);
        var (b, sinkB) = Attach(network, s_b, links: 2);
        using var _a = a;
        using var _b = b;

        network.SetLink(s_a, s_b, 0, up: false);
        a.Send(s_b, 0, [1]);      // cut
        a.Send(s_b, 1, [2]);      // the other link passes
        b.Send(s_a, 0, [3]);      // the other direction passes

        Assert.Equal([2], (await sinkB.NextAsync()).Data);
        Assert.Equal([3], (await sinkA.NextAsync()).Data);
        Assert.Equal(1, network.DroppedByCut);
        Assert.Equal(1, Counter(a, "mem_send_dropped"));

        network.SetLink(s_a, s_b, 0, up: true);
        a.Send(s_b, 0, [4]);
        Assert.Equal([4], (await sinkB.NextAsync()).Data);
        Assert.Equal(0, sinkB.Count);
    }

    [Fact]
    public async Task Partition_SeparatesTheSides_AndHealJoinsThem()
    {
        var network = new InMemoryNetwork();
        var (a, sinkA) = Attach(network, s_a);
        var (b, sinkB) = Attach(network, s_b);
        var (c, sinkC) = Attach(network, s_c);
        using var _a = a;
        using var _b = b;
        using var _c = c;

        network.Partition([s_a], [s_b, s_c]);
        a.Send(s_b, 0, [1]);
        c.Send(s_a, 0, [2]);
        c.Send(s_b, 0, [3]);
        Assert.False(network.Passes(s_b, s_a, 0));
        Assert.Equal([3], (await sinkB.NextAsync()).Data);
        Assert.Equal(2, network.DroppedByCut);

        network.Heal();
        c.Send(s_a, 0, [4]);
        Assert.Equal([4], (await sinkA.NextAsync()).Data);
        Assert.Equal(0, sinkB.Count);
        Assert.Equal(0, sinkC.Count);
    }

    [Fact]
    public async Task Queue_IsBounded_AndKeepsWhatArrivedBeforeStart()
    {
        var network = new InMemoryNetwork(new InMemoryNetworkOptions { QueueCapacity = 4 });
        var (a, _) = Attach(network, s_a);
        var (b, sinkB) = Attach(network, s_b, start: false);
        using var _a = a;
        using var _b = b;

        for (byte i = 0; i < 10; i++)
        {
            a.Send(s_b, 0, [i]);
        }

        Assert.Equal(4, b.Queued);
        Assert.Equal(6, Counter(b, "mem_queue_drops"));
        Assert.Equal(6, Counter(a, "mem_send_dropped"));

        b.Start(sinkB.Handle);
        for (byte i = 0; i < 4; i++)
        {
            Assert.Equal([i], (await sinkB.NextAsync()).Data);
        }
    }

    [Fact]
    public async Task Loss_DropsTheDrawnShare_OfOneDirection()
    {
        var network = new InMemoryNetwork(new InMemoryNetworkOptions { Seed = 7 });
        var (a, _) = Attach(network, s_a);
        var (b, sinkB) = Attach(network, s_b);
        using var _a = a;
        using var _b = b;

        network.SetLoss(s_a, s_b, 1.0);
        a.Send(s_b, 0, [1]);
        network.SetLoss(s_a, s_b, 0.5);
        for (int i = 0; i < 200; i++)
        {
            a.Send(s_b, 0, [2]);
        }

        network.SetLoss(s_a, s_b, 0);
        a.Send(s_b, 0, [3]);
        long lost = network.DroppedByLoss;
        Assert.InRange(lost, 60, 141);
        for (long i = 0; i < 201 - lost; i++)
        {
            Assert.Equal([2], (await sinkB.NextAsync()).Data);
        }

        Assert.Equal([3], (await sinkB.NextAsync()).Data);
    }

    [Fact]
    public void Send_ToNoOne_OrTooLarge_OrOnAMissingLink_IsCountedOrThrown()
    {
        var network = new InMemoryNetwork(new InMemoryNetworkOptions { MaxDatagramSize = 100 });
        var (a, _) = Attach(network, s_a);
        using var _a = a;

        a.Send(s_b, 0, [1]);    // nobody attached for node 2
        a.Send(s_b, 1, [1]);    // node 1 has no link 1
        Assert.Equal(2, Counter(a, "mem_send_errors"));
        Assert.Equal(1, network.DroppedUnattached);
        Assert.Throws<ArgumentException>(() => a.Send(s_b, 0, new byte[101]));
        Assert.Throws<InvalidOperationException>(() => network.Attach(s_a, Endpoints(s_a, 1), [s_b]));
    }

    [Fact]
    public async Task Datagram_FromANodeOutsideThePeers_IsDroppedAndCounted()
    {
        var network = new InMemoryNetwork();
        using var a = network.Attach(s_a, Endpoints(s_a, 1), [s_c]);
        var sinkA = new Sink();
        a.Start(sinkA.Handle);
        var (b, _) = Attach(network, s_b);
        var (c, _) = Attach(network, s_c);
        using var _b = b;
        using var _c = c;

        b.Send(s_a, 0, [1]);
        c.Send(s_a, 0, [2]);

        Assert.Equal([2], (await sinkA.NextAsync()).Data);
        Assert.Equal(1, Counter(a, "mem_unknown_source"));
        Assert.Null(a.PeerEndpoint(s_b, 0));
    }

    [Fact]
    public void Dispose_DetachesTheNode_SoItCanBeAttachedAgain()
    {
        var network = new InMemoryNetwork();
        var (a, _) = Attach(network, s_a);
        var (b, _) = Attach(network, s_b);
        using var _a = a;
        b.Dispose();

        a.Send(s_b, 0, [1]);
        Assert.Equal(1, network.DroppedUnattached);
        using var again = network.Attach(s_b, Endpoints(s_b, 1), [s_a]);
        Assert.Equal(Endpoints(s_b, 1)[0], a.PeerEndpoint(s_b, 0));
    }
}
