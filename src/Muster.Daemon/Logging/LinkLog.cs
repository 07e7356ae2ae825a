using System.Net;
using Microsoft.Extensions.Logging;
using Muster.Core;

namespace Muster.Daemon.Logging;

// The link monitor's lines (category "links", event ids 1100-1199). Link is the link index, Peer the node at the other
// end, Member a node with its incarnation (2#17), ViewId the view a verdict came in.
internal static partial class LinkLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "{LinkCount} link(s), mode {Mode}, probe every {ProbeIntervalMs} ms, link timeout {LinkTimeoutMs} ms; datagrams " +
                  "up to {DatagramBudget} bytes (the smallest link budget), sent with don't-fragment")]
    public static partial void Links(ILogger logger, int linkCount, string mode, double probeIntervalMs, double linkTimeoutMs,
        int datagramBudget);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "link {Link} to node {Peer} is up (rtt {RttMs:0.###} ms)")]
    public static partial void LinkUp(ILogger logger, int link, NodeId peer, double rttMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "link {Link} to node {Peer} is down (no answer to probes); {Fallback}")]
    public static partial void LinkDown(ILogger logger, int link, NodeId peer, string fallback);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "node {Member} was declared {Reason} in view {ViewId} while a link probe to it answered {AgeMs:0} ms ago " +
                  "(declared_failed_while_link_up = {Count})")]
    public static partial void DeclaredWhileLinkUp(ILogger logger, MemberId member, string reason, ViewId viewId, double ageMs, long count);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning,
        Message = "link {Link} ({Address} on {Interface}): links.mtu is {ConfiguredMtu} but the interface MTU is {Mtu}; datagrams " +
                  "larger than the path allows are refused (udp_send_too_big)")]
    public static partial void MtuTooSmall(ILogger logger, int link, IPAddress address, string @interface, int configuredMtu, int mtu);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information,
        Message = "link {Link}: {Address} on {Interface}, interface MTU {Mtu}, links.mtu {ConfiguredMtu}")]
    public static partial void Mtu(ILogger logger, int link, IPAddress address, string @interface, int mtu, int configuredMtu);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Debug, Message = "cannot read interface MTUs: {Reason}")]
    public static partial void MtusUnknown(ILogger logger, string reason);
}
