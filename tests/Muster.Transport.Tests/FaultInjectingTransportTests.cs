using System.Diagnostics;
using System.Net;
using Muster.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Muster.Transport.Faults;

namespace Muster.Transport.Tests;

/// <summary>The fault-injecting decorator: delays what it sends through the transport it wraps, forwards the rest.</summary>
public sealed class FaultInjectingTransportTests
{
    [Fact]
    public async Task Send_IsHeldForTheDelay_ThenGoesOutThroughTheInnerTransport_OnItsNodeAndLink()
    {
        var inner = new RecordingTransport(expected: 3);
        using var faulty = new FaultInjectingTransport(inner, TransportFaultOptions.Parse("delay=30ms"), NullLoggerFactory.Instance);
        long start = Stopwatch.GetTimestamp();
        faulty.Send(new NodeId(2), 0, [1]);
        faulty.Send(new NodeId(3), 1, [2, 2]);
        faulty.Send(new NodeId(2), 1, [3, 3, 3]);
        Assert.True(inner.Count < 3, "sent at once: not held");

        var sent = await inner.AllAsync();
        Assert.Equal([(2u, 0, 1), (3u, 1, 2), (2u, 1, 3)], sent.Select(s => (s.Node.Value, s.Link, s.Length)));
        Assert.All(sent, s => Assert.True(Stopwatch.GetElapsedTime(start, s.At) >= TimeSpan.FromMilliseconds(29),
            $"sent after {Stopwatch.GetElapsedTime(start, s.At).TotalMilliseconds} ms"));
        Assert.Equal(0, faulty.Pending);
    }

    [Fact]
    public void Send_TooLarge_ThrowsAtTheCaller_NotOnTheInjectorsThread()
    {
        var inner = new RecordingTransport(expected: 1);
        using var faulty = new FaultInjectingTransport(inner, TransportFaultOptions.Parse("delay=1ms"), NullLoggerFactory.Instance);
        var e = Assert.Throws<ArgumentException>(() => faulty.Send(new NodeId(2), 0, new byte[inner.MaxDatagramSize + 1]));
        Assert.Contains("larger than the maximum", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, faulty.Pending);
    }

    [Fact]
    public void EverythingButSend_IsTheInnerTransports_AndDisposeDisposesIt()
    {
        var inner = new RecordingTransport(expected: 1);
        var log = new LogCapture();
        var faulty = new FaultInjectingTransport(inner, TransportFaultOptions.Parse("delay=1ms"), log.Loggers);
        Assert.Contains("WARN  transport: TEST-ONLY FAULT INJECTION IS ON", log.Text, StringComparison.Ordinal);
        Assert.Same(inner.LocalEndpoints, faulty.LocalEndpoints);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2), faulty.PeerEndpoint(new NodeId(2), 0));
        Assert.Same(inner.Counters, faulty.Snapshot());
        PacketHandler handler = _ => { };
        faulty.Start(handler);
        Assert.Same(handler, inner.Handler);
        faulty.Dispose();
        Assert.True(inner.Disposed);
    }

    private sealed class RecordingTransport(int expected) : IClusterTransport
    {
        private readonly List<(NodeId Node, int Link, int Length, long At)> _sent = [];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<IPEndPoint> LocalEndpoints { get; } = [new(IPAddress.Loopback, 1)];
        public int MaxDatagramSize => 1000;
        public IReadOnlyList<KeyValuePair<string, long>> Counters { get; } = [new("udp_packets_sent", 0)];
        public PacketHandler? Handler { get; private set; }
        public bool Disposed { get; private set; }

        public int Count
        {
            get
            {
                lock (_sent)
                {
                    return _sent.Count;
                }
            }
        }

        public void Start(PacketHandler handler) => Handler = handler;

        public void Send(NodeId destination, int link, ReadOnlySpan<byte> datagram)
        {
            lock (_sent)
            {
                _sent.Add((destination, link, datagram.Length, Stopwatch.GetTimestamp()));
                if (_sent.Count == expected)
                {
                    _all.TrySetResult();
                }
            }
        }

        public IPEndPoint? PeerEndpoint(NodeId node, int link) => new(IPAddress.Loopback, (int)node.Value);

        public IReadOnlyList<UnknownSource> RecentUnknownSources() => [];

        public IReadOnlyList<KeyValuePair<string, long>> Snapshot() => Counters;

        public void Dispose() => Disposed = true;

        public async Task<List<(NodeId Node, int Link, int Length, long At)>> AllAsync()
        {
            await _all.Task.WaitAsync(TestSupport.Deadline, TestSupport.Token);
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }
}
