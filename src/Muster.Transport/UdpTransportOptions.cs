using System.Net;
using Muster.Core;

namespace Muster.Transport;

/// <summary>How a <see cref="UdpTransport"/> binds its sockets and whom it talks to.</summary>
public sealed record UdpTransportOptions
{
    /// <summary>The default <see cref="ReceiveBufferSize"/> and <see cref="SendBufferSize"/>: 4 MiB.</summary>
    public const int DefaultSocketBufferSize = 4 * 1024 * 1024;

    /// <summary>The default <see cref="MaxDatagramSize"/>, the same as <c>limits.max_datagram_size</c>'s default.</summary>
    public const int DefaultMaxDatagramSize = 1400;

    /// <summary>Largest UDP payload the transport can receive or send (IPv6 without jumbograms).</summary>
    public const int LargestDatagramSize = 65527;

    /// <summary>
    /// Local endpoints to bind, one socket (and one receive thread) each; at least one. IPv4 or IPv6; an IPv6
    /// link-local address needs its <see cref="IPAddress.ScopeId"/>. Port 0 picks a free port (see
    /// <see cref="UdpTransport.LocalEndpoints"/>). Binding <see cref="IPAddress.IPv6Any"/> makes a dual-stack socket.
    /// </summary>
    public required IReadOnlyList<IPEndPoint> Bind { get; init; }

    /// <summary>
    /// The configured peers: each node's endpoints, in link order (endpoint <c>i</c> is the node's end of link
    /// <c>i</c>). <see cref="UdpTransport.Send(NodeId, int, ReadOnlySpan{byte})"/> sends to the endpoint of the link it
    /// is given; datagrams are accepted from any of them (address and port must both match). May be replaced with
    /// <see cref="UdpTransport.SetPeers"/>.
    /// </summary>
    public required IReadOnlyDictionary<NodeId, IReadOnlyList<IPEndPoint>> Peers { get; init; }

    /// <summary>SO_RCVBUF to ask for; set best-effort (the kernel may cap it, which is logged).</summary>
    public int ReceiveBufferSize { get; init; } = DefaultSocketBufferSize;

    /// <summary>SO_SNDBUF to ask for; set best-effort (the kernel may cap it, which is logged).</summary>
    public int SendBufferSize { get; init; } = DefaultSocketBufferSize;

    /// <summary>Largest datagram accepted from a peer or passed to <see cref="UdpTransport.Send"/>; larger ones are dropped.</summary>
    public int MaxDatagramSize { get; init; } = DefaultMaxDatagramSize;

    /// <summary>Shortest interval between two log lines about the same kind of dropped datagram or send error.</summary>
    public TimeSpan LogInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Set the don't-fragment bit on every datagram (Linux: IP_MTU_DISCOVER / IPV6_MTU_DISCOVER = PMTUDISC_DO), so a
    /// datagram larger than the path MTU is refused with EMSGSIZE (counted in
    /// <see cref="UdpTransport.SendTooBig"/>) instead of being fragmented by IP. Ignored where unsupported.
    /// </summary>
    public bool DontFragment { get; init; }

    /// <summary>Called first on every receive thread (the daemon raises their scheduling priority there).</summary>
    public Action? ReceiveThreadStarted { get; init; }

    /// <summary>The clock for the rate limits of log lines and the unknown-source list (the daemon passes its own).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
