using System.Buffers;
using System.Net;
using Microsoft.Extensions.Logging;
using Muster.Core;

namespace Muster.Transport.InMemory;

/// <summary>
/// A node's transport on an <see cref="InMemoryNetwork"/> (made by <see cref="InMemoryNetwork.Attach"/>): the same
/// contract as the UDP transport, without sockets. Received datagrams wait in a bounded queue and are handed to the
/// <see cref="PacketHandler"/> on the transport's own delivery thread (<c>muster-mem-rx</c>), one at a time, in
/// arrival order, as the UDP transport's receive thread does; never inside a sender's <see cref="Send"/>.
/// </summary>
public sealed class InMemoryTransport : IClusterTransport
{
    private readonly InMemoryNetwork _network;
    private readonly HashSet<NodeId> _peers;
    private readonly ILogger _logger;
    // A plain object: the delivery thread waits on it with Monitor.Wait.
    private readonly object _sync = new();
    private readonly Queue<ReceivedDatagram> _queue = new();
    private Thread? _thread;
    private PacketHandler? _handler;
    private bool _disposed;

    private long _packetsSent;
    private long _bytesSent;
    private long _packetsReceived;
    private long _bytesReceived;
    private long _unknownSource;
    private long _sendDropped;
    private long _sendErrors;
    private long _queueDrops;
    private long _handlerErrors;

    internal InMemoryTransport(InMemoryNetwork network, NodeId node, IReadOnlyList<IPEndPoint> endpoints, IEnumerable<NodeId> peers)
    {
        _network = network;
        Node = node;
        LocalEndpoints = [.. endpoints];
        _peers = [.. peers];
        _logger = network.Logger;
    }

    /// <summary>The node this transport belongs to.</summary>
    public NodeId Node { get; }

    /// <inheritdoc/>
    public IReadOnlyList<IPEndPoint> LocalEndpoints { get; }

    /// <inheritdoc/>
    public int MaxDatagramSize => _network.Options.MaxDatagramSize;

    /// <summary>Datagrams waiting for the delivery thread.</summary>
    public int Queued
    {
        get
        {
            lock (_sync)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Starts the delivery thread; datagrams that arrived before are delivered first, as a bound socket buffers them.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start(PacketHandler handler)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_handler is not null)
            {
                throw new InvalidOperationException("the transport is already started");
            }

            _handler = handler;
            _thread = new Thread(DeliveryLoop) { IsBackground = true, Name = "muster-mem-rx" };
            _thread.Start();
        }
    }

    /// <inheritdoc/>
    public void Send(NodeId destination, int link, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagramSize)
        {
            throw new ArgumentException(
                $"datagram of {datagram.Length} bytes is larger than the maximum of {MaxDatagramSize}", nameof(datagram));
        }

        if (Volatile.Read(ref _disposed) || link < 0 || link >= LocalEndpoints.Count)
        {
            // A link this node does not have, like a destination without an endpoint on UDP: counted, not thrown.
            Interlocked.Increment(ref _sendErrors);
            return;
        }

        Interlocked.Increment(ref _packetsSent);
        Interlocked.Add(ref _bytesSent, datagram.Length);
        switch (_network.Transmit(Node, destination, link, datagram))
        {
            case InMemoryNetwork.SendOutcome.Queued:
                break;
            case InMemoryNetwork.SendOutcome.NoReceiver:
                Interlocked.Increment(ref _sendErrors);
                break;
            default:
                // Cut, lost, or the receiver's queue full: gone silently, as on a real network.
                Interlocked.Increment(ref _sendDropped);
                break;
        }
    }

    /// <inheritdoc/>
    public IPEndPoint? PeerEndpoint(NodeId node, int link) => _peers.Contains(node) ? _network.EndpointOf(node, link) : null;

    /// <summary>None are kept: the in-memory network has no addresses outside the node list (they are only counted).</summary>
    public IReadOnlyList<UnknownSource> RecentUnknownSources() => [];

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
    [
        new("mem_packets_sent", Interlocked.Read(ref _packetsSent)),
        new("mem_bytes_sent", Interlocked.Read(ref _bytesSent)),
        new("mem_packets_received", Interlocked.Read(ref _packetsReceived)),
        new("mem_bytes_received", Interlocked.Read(ref _bytesReceived)),
        new("mem_unknown_source", Interlocked.Read(ref _unknownSource)),
        new("mem_send_dropped", Interlocked.Read(ref _sendDropped)),
        new("mem_send_errors", Interlocked.Read(ref _sendErrors)),
        new("mem_queue_drops", Interlocked.Read(ref _queueDrops)),
        new("mem_handler_errors", Interlocked.Read(ref _handlerErrors)),
    ];

    /// <summary>Detaches from the network, stops the delivery thread and drops what is still queued.</summary>
    /// <remarks>The handler is not called after Dispose returns, except when Dispose is called from the handler itself.</remarks>
    public void Dispose()
    {
        Thread? thread;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            thread = _thread;
            Monitor.PulseAll(_sync);
        }

        _network.Detach(this);
        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        lock (_sync)
        {
            while (_queue.TryDequeue(out var dropped))
            {
                dropped.Return();
            }
        }
    }

    // Called by the network on the sender's thread: copies the datagram into a pooled buffer (the handler owns it,
    // as with UDP) and wakes the delivery thread. False when the queue is full.
    internal bool Enqueue(NodeId source, int link, ReadOnlySpan<byte> datagram)
    {
        if (!_peers.Contains(source))
        {
            Interlocked.Increment(ref _unknownSource);
            return true;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1));
        datagram.CopyTo(copy);
        lock (_sync)
        {
            if (!_disposed && _queue.Count < _network.Options.QueueCapacity)
            {
                _queue.Enqueue(new ReceivedDatagram(source, link, copy, datagram.Length));
                if (_queue.Count == 1)
                {
                    Monitor.Pulse(_sync);
                }

                return true;
            }
        }

        Interlocked.Increment(ref _queueDrops);
        ArrayPool<byte>.Shared.Return(copy);
        return false;
    }

    private void DeliveryLoop()
    {
        while (true)
        {
            ReceivedDatagram datagram;
            lock (_sync)
            {
                while (!_disposed && _queue.Count == 0)
                {
                    Monitor.Wait(_sync);
                }

                if (_disposed)
                {
                    return;
                }

                datagram = _queue.Dequeue();
            }

            Interlocked.Increment(ref _packetsReceived);
            Interlocked.Add(ref _bytesReceived, datagram.Length);
            try
            {
                _handler!(datagram);
            }
            catch (Exception e)
            {
                // Like the UDP transport: the thread must survive a handler bug, and the buffer is not returned.
                Interlocked.Increment(ref _handlerErrors);
                TransportLog.HandlerFailed(_logger, datagram.Source, 0, e);
            }
        }
    }
}
