using System.Net;
using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Core.Random;

namespace Muster.Transport.InMemory;

/// <summary>
/// A network inside one process: <see cref="InMemoryTransport"/>s attached to it exchange datagrams without sockets,
/// each delivered on the receiving transport's own thread (never inside <see cref="IClusterTransport.Send"/>), in the
/// order sent per sender. Links can be cut per direction, the nodes partitioned and traffic made lossy, for tests
/// (see <see cref="NetworkFaults"/>). Every control is thread-safe and takes effect for the next datagram sent;
/// datagrams already queued at a receiver are still delivered, like packets already on the wire.
/// </summary>
/// <remarks>
/// Bounded: each transport queues at most <see cref="InMemoryNetworkOptions.QueueCapacity"/> datagrams, and a
/// datagram that finds the queue full is dropped and counted. A datagram to a node with no transport attached is
/// dropped and counted too (no one is listening).
/// </remarks>
public sealed class InMemoryNetwork
{
    private readonly Lock _sync = new();
    private readonly Dictionary<NodeId, InMemoryTransport> _transports = [];
    private readonly NetworkFaults _faults = new();
    private readonly DeterministicRandom _random;
    private long _delivered;
    private long _cut;
    private long _lost;
    private long _unattached;

    /// <summary>Creates an empty network.</summary>
    /// <param name="options">Limits and sources; null for the defaults.</param>
    public InMemoryNetwork(InMemoryNetworkOptions? options = null)
    {
        Options = options ?? new InMemoryNetworkOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.QueueCapacity, 1, nameof(Options.QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxDatagramSize, 1, nameof(Options.MaxDatagramSize));
        _random = new DeterministicRandom(Options.Seed);
        Logger = Options.Loggers.CreateLogger("transport");
    }

    /// <summary>The network's limits and sources.</summary>
    public InMemoryNetworkOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>Datagrams queued at their receiver.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Datagrams dropped by a cut link or the partition.</summary>
    public long DroppedByCut => Interlocked.Read(ref _cut);

    /// <summary>Datagrams dropped by <see cref="SetLoss"/>.</summary>
    public long DroppedByLoss => Interlocked.Read(ref _lost);

    /// <summary>Datagrams to a node with no transport attached.</summary>
    public long DroppedUnattached => Interlocked.Read(ref _unattached);

    /// <summary>
    /// Attaches a transport for <paramref name="node"/>, with one link per endpoint. The endpoints are only names
    /// (nothing is bound): <see cref="IClusterTransport.LocalEndpoints"/> reports them, and peers' transports report
    /// them as this node's <see cref="IClusterTransport.PeerEndpoint"/>.
    /// </summary>
    /// <param name="node">The node; at most one transport per node is attached at a time.</param>
    /// <param name="endpoints">The node's endpoints, in link order; at least one.</param>
    /// <param name="peers">
    /// The nodes whose datagrams it accepts (like the UDP transport's node list); datagrams from others are counted as
    /// from an unknown source and dropped.
    /// </param>
    /// <exception cref="InvalidOperationException">A transport for the node is already attached.</exception>
    public InMemoryTransport Attach(NodeId node, IReadOnlyList<IPEndPoint> endpoints, IEnumerable<NodeId> peers)
    {
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Count, nameof(endpoints));
        var transport = new InMemoryTransport(this, node, endpoints, peers);
        lock (_sync)
        {
            if (!_transports.TryAdd(node, transport))
            {
                throw new InvalidOperationException($"a transport for node {node} is already attached");
            }
        }

        return transport;
    }

    /// <summary>Cuts (<paramref name="up"/> false) or restores one direction of one link, or of every link with
    /// <see cref="NetworkFaults.AllLinks"/>.</summary>
    public void SetLink(NodeId from, NodeId to, int link, bool up)
    {
        lock (_sync)
        {
            _faults.SetLink(from, to, link, up);
        }
    }

    /// <summary>Cuts or restores every link between two nodes, both ways.</summary>
    public void SetConnected(NodeId a, NodeId b, bool connected)
    {
        lock (_sync)
        {
            _faults.SetLink(a, b, NetworkFaults.AllLinks, connected);
            _faults.SetLink(b, a, NetworkFaults.AllLinks, connected);
        }
    }

    /// <summary>
    /// Partitions the nodes: those on different sides cannot reach each other, a node on no side reaches no one.
    /// Replaces an earlier partition; <see cref="Heal"/> ends it.
    /// </summary>
    public void Partition(params IReadOnlyCollection<NodeId>[] sides)
    {
        lock (_sync)
        {
            _faults.Partition(sides);
        }
    }

    /// <summary>Loses <paramref name="share"/> (0 to 1) of the datagrams from one node to another, drawn from the seeded generator.</summary>
    public void SetLoss(NodeId from, NodeId to, double share)
    {
        lock (_sync)
        {
            _faults.SetLoss(from, to, share);
        }
    }

    /// <summary>Restores every link and ends the partition and the losses.</summary>
    public void Heal()
    {
        lock (_sync)
        {
            _faults.Heal();
        }
    }

    /// <summary>True when a datagram from one node to another on a link would pass the cuts and the partition now.</summary>
    public bool Passes(NodeId from, NodeId to, int link)
    {
        lock (_sync)
        {
            return _faults.Passes(from, to, link);
        }
    }

    internal IPEndPoint? EndpointOf(NodeId node, int link)
    {
        lock (_sync)
        {
            return _transports.TryGetValue(node, out var transport) && link < transport.LocalEndpoints.Count
                ? transport.LocalEndpoints[link]
                : null;
        }
    }

    internal void Detach(InMemoryTransport transport)
    {
        lock (_sync)
        {
            if (_transports.TryGetValue(transport.Node, out var attached) && ReferenceEquals(attached, transport))
            {
                _transports.Remove(transport.Node);
            }
        }
    }

    // Decides the datagram's fate under the lock, then queues it at the receiver outside it (the receiver has a lock
    // of its own), so a slow receiver never holds up the controls or other senders.
    internal SendOutcome Transmit(NodeId from, NodeId to, int link, ReadOnlySpan<byte> datagram)
    {
        InMemoryTransport? receiver;
        lock (_sync)
        {
            if (!_transports.TryGetValue(to, out receiver) || link >= receiver.LocalEndpoints.Count)
            {
                Interlocked.Increment(ref _unattached);
                return SendOutcome.NoReceiver;
            }

            if (!_faults.Passes(from, to, link))
            {
                Interlocked.Increment(ref _cut);
                return SendOutcome.Cut;
            }

            double loss = _faults.LossOf(from, to);
            if (loss > 0 && _random.Chance(loss))
            {
                Interlocked.Increment(ref _lost);
                return SendOutcome.Lost;
            }
        }

        if (!receiver.Enqueue(from, link, datagram))
        {
            return SendOutcome.QueueFull;
        }

        Interlocked.Increment(ref _delivered);
        return SendOutcome.Queued;
    }

    internal enum SendOutcome
    {
        Queued,
        Cut,
        Lost,
        NoReceiver,
        QueueFull,
    }
}
