using System.Net;
using Muster.Core;

namespace Muster.Transport;

/// <summary>
/// What the daemon needs of a transport: datagrams to and from the configured peers over one or more links. The UDP
/// transport is the real one; a decorator adds test-only faults (<see cref="Faults.FaultInjectingTransport"/>).
/// </summary>
public interface IClusterTransport : IDisposable
{
    /// <summary>The bound endpoints, one per link, with the ports actually bound.</summary>
    IReadOnlyList<IPEndPoint> LocalEndpoints { get; }

    /// <summary>Largest datagram <see cref="Send"/> accepts.</summary>
    int MaxDatagramSize { get; }

    /// <summary>Starts receiving: <paramref name="handler"/> is called for every datagram from a configured peer.</summary>
    void Start(PacketHandler handler);

    /// <summary>Sends one datagram to a peer on a link. Network errors are counted and logged, never thrown.</summary>
    /// <exception cref="ArgumentException">The datagram is larger than <see cref="MaxDatagramSize"/>.</exception>
    void Send(NodeId destination, int link, ReadOnlySpan<byte> datagram);

    /// <summary>The peer's endpoint on a link, or null when it has none there.</summary>
    IPEndPoint? PeerEndpoint(NodeId node, int link);

    /// <summary>The sources not in the node list that sent datagrams lately, newest first.</summary>
    IReadOnlyList<UnknownSource> RecentUnknownSources();

    /// <summary>The counters as name/value pairs in a stable order (for <c>muster status</c>).</summary>
    IReadOnlyList<KeyValuePair<string, long>> Snapshot();
}
