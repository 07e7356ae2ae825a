using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Diagnostics;

namespace Muster.Transport;

// The UDP transport's log lines (category "transport", event ids 3000-3099). Peer is the node at the other end, Link
// the link index, Endpoint an address and port; Suppressed counts lines the rate limiter held back since the last.
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "bound UDP {Endpoint}")]
    public static partial void Bound(ILogger logger, EndPoint? endpoint);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "{Endpoint}: cannot set don't-fragment (IP_MTU_DISCOVER): {Error}; IP may fragment large datagrams")]
    public static partial void DontFragmentUnavailable(ILogger logger, IPEndPoint endpoint, SocketError error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "{Endpoint}: {Option} is {Actual} bytes, less than the {Requested} asked for " +
                  "(raise net.core.rmem_max / net.core.wmem_max, or run with CAP_NET_ADMIN)")]
    public static partial void BufferSmaller(ILogger logger, IPEndPoint endpoint, string option, int actual, int requested);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "{Endpoint}: cannot set {Option} to {Requested} bytes: {Error}; using the system default")]
    public static partial void BufferNotSet(ILogger logger, IPEndPoint endpoint, string option, int requested, SocketError error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning,
        Message = "node {Peer} link {Link}: no bound socket can reach {Endpoint} (address family); datagrams to it are dropped")]
    public static partial void Unreachable(ILogger logger, NodeId peer, int link, IPEndPoint endpoint);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "receive thread {Thread} did not stop within {TimeoutSeconds:0} s")]
    public static partial void ReceiveThreadStuck(ILogger logger, string? thread, double timeoutSeconds);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning,
        Message = "datagram to node {Peer} on link {Link} dropped: no usable endpoint configured for it" + LogText.SuppressedSuffix)]
    public static partial void NoEndpoint(ILogger logger, NodeId peer, int link, long suppressed);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning,
        Message = "send of {Length} bytes to node {Peer} ({Endpoint}) on link {Link} refused: larger than the path MTU " +
                  "(don't-fragment is set); lower links.mtu for this link" + LogText.SuppressedSuffix)]
    public static partial void SendTooBig(ILogger logger, int length, NodeId peer, IPEndPoint endpoint, int link, long suppressed);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning,
        Message = "send to node {Peer} ({Endpoint}) on link {Link} failed: {Error} ({Reason})" + LogText.SuppressedSuffix)]
    public static partial void SendFailed(ILogger logger, NodeId peer, IPEndPoint endpoint, int link, SocketError error, string reason,
        long suppressed);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning,
        Message = "dropped a datagram larger than {Size} bytes on {Endpoint}" + LogText.SuppressedSuffix)]
    public static partial void ReceivedTooBig(ILogger logger, int size, IPEndPoint endpoint, long suppressed);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning,
        Message = "receive on {Endpoint} failed: {Error} ({Reason})" + LogText.SuppressedSuffix)]
    public static partial void ReceiveFailed(ILogger logger, IPEndPoint endpoint, SocketError error, string reason, long suppressed);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Warning,
        Message = "dropped datagrams from {Endpoint}, which is not in our node list: the node lists differ (a node there lists " +
                  "this one, or this node's list has an old address for it)" + LogText.SuppressedSuffix)]
    public static partial void UnknownSource(ILogger logger, string endpoint, long suppressed);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning,
        Message = "dropped datagrams from more addresses that are not in our node list" + LogText.SuppressedSuffix)]
    public static partial void MoreUnknownSources(ILogger logger, long suppressed);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Warning,
        Message = "dropped {Length}-byte datagram from node {Peer} ({Endpoint}): larger than the maximum of {Max}" + LogText.SuppressedSuffix)]
    public static partial void DatagramTooBig(ILogger logger, int length, NodeId peer, string endpoint, int max, long suppressed);

    [LoggerMessage(EventId = 3025, Level = LogLevel.Error,
        Message = "packet handler failed for a datagram from node {Peer}" + LogText.SuppressedSuffix)]
    public static partial void HandlerFailed(ILogger logger, NodeId peer, long suppressed, Exception exception);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning,
        Message = "TEST-ONLY FAULT INJECTION IS ON ({Variable}=\"{Faults}\"): every datagram sent is delayed by {DelayMs} ms plus " +
                  "up to {JitterMs} ms, {ReorderShare:P1} are held back a further {ReorderDelayMs} ms. Never set this in production.")]
    public static partial void FaultInjectionOn(ILogger logger, string variable, string faults, double delayMs, double jitterMs,
        double reorderShare, double reorderDelayMs);
}
