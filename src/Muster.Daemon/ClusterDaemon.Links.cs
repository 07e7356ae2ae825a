using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Muster.Configuration;
using Muster.Core;
using Muster.Daemon.Logging;
using Muster.Ipc.Contracts;
using Muster.Membership;
using Muster.Transport;
using Muster.Transport.Links;
using Muster.Wire;

namespace Muster.Daemon;

// Redundant links on the loop thread: every probe interval a ping goes over every link to every peer, pongs keep
// the LinkMonitor's view of each link current, and every packet of the engine's goes over the link the monitor
// picks. Probes are handled here and never reach the membership engine, which knows nothing of links.
internal sealed partial class ClusterDaemon
{
    private const string LinkCategory = "links";
    private readonly ILogger _linkLog;

    private LinkMonitor _links = null!;
    private DeclaredFailureAudit _failureAudit = null!;
    private readonly byte[] _probeBuffer = new byte[LinkProbe.Size];
    private uint _clusterHash;
    private long _malformedProbes;

    private void StartLinks(Instant now)
    {
        _clusterHash = WireProtocol.ClusterHash(_config.ClusterName);
        LinkOptions options = _config.Links;
        _links = new LinkMonitor(new LinkMonitorOptions
        {
            LinkCount = _local.Endpoints.Count,
            Priorities = options.Priorities.Count == _local.Endpoints.Count ? options.Priorities : [],
            Active = options.Mode == LinkMode.Active,
            ProbeInterval = options.EffectiveProbeInterval(_config.Timing),
            LinkTimeout = options.EffectiveLinkTimeout(_config.Timing),
        }, _config.Nodes.Where(n => n.Id != _local.Id).Select(n => n.NodeId), now);
        _failureAudit = new DeclaredFailureAudit(_links);

        string mode = options.Mode == LinkMode.Active ? "active" : "passive";
        TimeSpan probeInterval = options.EffectiveProbeInterval(_config.Timing);
        TimeSpan linkTimeout = options.EffectiveLinkTimeout(_config.Timing);
        LinkLog.Links(_linkLog, _links.LinkCount, mode, probeInterval.TotalMilliseconds, linkTimeout.TotalMilliseconds,
            _config.DatagramBudget);
        CheckInterfaceMtus();
    }

    /// <summary>The link the engine's next packet to <paramref name="destination"/> goes over.</summary>
    private int SelectLink(NodeId destination) => _links.Select(destination);

    /// <summary>Takes down silent links and sends the pings that are due.</summary>
    private void TickLinks(Instant now)
    {
        foreach (ProbeRequest probe in _links.Tick(now))
        {
            var ping = new LinkProbe(LinkProbeKind.Ping, (byte)probe.Link, _clusterHash, _local.NodeId, probe.Sequence, now.Ticks);
            int length = ping.Write(_probeBuffer);
            SendPacket(probe.Peer, probe.Link, _probeBuffer.AsSpan(0, length));
        }

        ReportLinkChanges();
    }

    /// <summary>Handles an authentic packet that starts with the probe magic: answers pings, records pongs.</summary>
    private void OnProbe(NodeId source, int link, ReadOnlySpan<byte> packet, Instant now)
    {
        if (!LinkProbe.TryRead(packet, out LinkProbe probe, out string? error)
            || (error = probe.Sender != source ? $"claims sender {probe.Sender}"
                : probe.ClusterHash != _clusterHash ? "belongs to another cluster"
                : null) is not null)
        {
            _malformedProbes++;
            if (ShouldLogDrop(now, source, "probe", out long suppressed))
            {
                SecurityLog.MalformedProbe(_securityLog, source, link, error, suppressed);
            }

            return;
        }

        if (probe.Kind == LinkProbeKind.Ping)
        {
            if (_links.OnPing(source, link))
            {
                var pong = probe with { Kind = LinkProbeKind.Pong, Sender = _local.NodeId };
                int length = pong.Write(_probeBuffer);
                // Back over the link the ping came in on: the pong proves that link works both ways.
                SendPacket(source, link, _probeBuffer.AsSpan(0, length));
            }
            return;
        }

        _links.OnPong(source, link, new Instant(probe.SentAt), now);
        ReportLinkChanges();
    }

    // Every change is logged, like knet's link up/down lines: a down needs link_timeout of silence, so a flapping
    // link logs at most two lines per link timeout, and the last line always matches the link's state.
    private void ReportLinkChanges()
    {
        foreach (LinkChange change in _links.Changes)
        {
            if (change.Up)
            {
                LinkLog.LinkUp(_linkLog, change.Link, change.Peer, change.Rtt.TotalMilliseconds);
            }
            else
            {
                string next = !_links.IsReachable(change.Peer)
                    ? $"no link to it is up; still sending over link {_links.PreferredLink(change.Peer)}, the failure detector decides"
                    : _config.Links.Mode == LinkMode.Active ? "sending over its other up links"
                    : $"sending over link {_links.PreferredLink(change.Peer)}";
                LinkLog.LinkDown(_linkLog, change.Link, change.Peer, next);
            }
        }

        _links.ClearChanges();
    }

    /// <summary>
    /// Holds the membership's departure verdicts against the link probes: a member reported failed or unreachable
    /// while a link to it answered within the link timeout is counted for that peer and logged.
    /// </summary>
    private void AuditDepartures(ViewChange change, Instant now)
    {
        foreach (var left in change.Left)
        {
            bool declared = left.Reason is MemberChangeReason.Failed or MemberChangeReason.Unreachable;
            if (left.Member.Node != _local.NodeId && _failureAudit.OnDeparture(left.Member.Node, declared, now) is { } age)
            {
                // The probes prove both directions worked moments ago, so this verdict came from the protocol's own
                // state, not from the network: worth a warning every time (it should never happen).
                string reason = left.Reason.ToString().ToLowerInvariant();
                long count = _failureAudit.CountFor(left.Member.Node);
                LinkLog.DeclaredWhileLinkUp(_linkLog, left.Member, reason, change.View.Id, age.TotalMilliseconds, count);
            }
        }
    }

    private List<PeerCounters> PeerCountersList() =>
    [
        .. _failureAudit.Peers.Select(peer => new PeerCounters(peer, NameOf(peer),
            [new(PeerCounters.DeclaredFailedWhileLinkUp, _failureAudit.CountFor(peer))])),
    ];

    private IEnumerable<KeyValuePair<string, long>> LinkCounters() =>
    [
        new("link_up_transitions", _links.UpTransitions),
        new("link_down_transitions", _links.DownTransitions),
        new("link_probes_malformed", _malformedProbes),
        new("link_pongs_ignored", _links.IgnoredPongs),
    ];

    private LinksResponse BuildLinks(Instant now)
    {
        var peers = new List<PeerLinks>(_links.Peers.Count);
        foreach (NodeId peer in _links.Peers)
        {
            // Passive: the one link in use; active: every up link (or the fallback when none is).
            bool reachable = _links.IsReachable(peer);
            int preferred = _config.Links.Mode == LinkMode.Active && reachable ? -1 : _links.PreferredLink(peer);
            var links = new List<LinkInfo>(_links.LinkCount);
            for (int link = 0; link < _links.LinkCount; link++)
            {
                LinkState s = _links.GetState(peer, link);
                bool inUse = preferred >= 0 ? link == preferred : s.Up;
                links.Add(new LinkInfo(link, FormatLinkEndpoint(_transport.LocalEndpoints, link),
                    _transport.PeerEndpoint(peer, link)?.ToString() ?? "-", s.Up, inUse, _links.PriorityOf(link),
                    _config.Links.MtuOf(link), s.Up ? s.Rtt : null, now - s.LastChange, s.UpTransitions, s.DownTransitions,
                    s.ProbesSent, s.PongsReceived));
            }

            peers.Add(new PeerLinks(peer, _config.FindNode(peer.Value)?.Name ?? peer.ToString(), links));
        }

        return new LinksResponse(_config.Links.Mode == LinkMode.Active ? "active" : "passive", _config.DatagramBudget, peers);
    }

    private static string FormatLinkEndpoint(IReadOnlyList<IPEndPoint> endpoints, int link) =>
        link < endpoints.Count ? endpoints[link].ToString() : "-";

    // Path-MTU discovery proper (IP_MTU on a connected socket) does not fit unconnected sockets shared by every peer;
    // comparing the configured MTU with the interface's catches the common mistake (links.mtu = 9000 on a 1500 NIC)
    // at start, and don't-fragment turns a too-small path into counted EMSGSIZE errors instead of silent fragmentation.
    private void CheckInterfaceMtus()
    {
        try
        {
            NetworkInterface[] nics = NetworkInterface.GetAllNetworkInterfaces();
            for (int link = 0; link < _local.Endpoints.Count; link++)
            {
                IPAddress address = _local.Endpoints[link].Address;
                foreach (NetworkInterface nic in nics)
                {
                    IPInterfaceProperties properties = nic.GetIPProperties();
                    if (!properties.UnicastAddresses.Any(u => u.Address.Equals(address)))
                    {
                        continue;
                    }

                    int mtu = address.AddressFamily == AddressFamily.InterNetworkV6
                        ? properties.GetIPv6Properties()?.Mtu ?? 0
                        : properties.GetIPv4Properties()?.Mtu ?? 0;
                    int configured = _config.Links.MtuOf(link);
                    if (mtu > 0 && mtu < configured)
                    {
                        LinkLog.MtuTooSmall(_linkLog, link, address, nic.Name, configured, mtu);
                    }
                    else if (mtu > 0)
                    {
                        LinkLog.Mtu(_linkLog, link, address, nic.Name, mtu, configured);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is NetworkInformationException or PlatformNotSupportedException)
        {
            LinkLog.MtusUnknown(_linkLog, ex.Message);
        }
    }
}
