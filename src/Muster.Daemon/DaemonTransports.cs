using Microsoft.Extensions.Logging;
using Muster.Configuration;
using Muster.Transport;
using Muster.Transport.Faults;

namespace Muster.Daemon;

/// <summary>
/// Makes the daemon's transport when its loop starts. <paramref name="receiveThreadStarted"/>, when not null, is to be
/// called first on every thread that delivers received datagrams (the daemon raises their priority there).
/// </summary>
internal delegate IClusterTransport TransportFactory(Action? receiveThreadStarted);

/// <summary>The transports of the composition root.</summary>
internal static class DaemonTransports
{
    /// <summary>
    /// musterd's transport: UDP on the local node's endpoints, to every other configured node, behind the TEST-ONLY
    /// fault decorator when <paramref name="faults"/> is set (the test bed's <c>MUSTER_TEST_FAULTS</c>).
    /// </summary>
    public static TransportFactory Udp(ClusterConfig config, NodeConfig local, ILoggerFactory loggers, TimeProvider time,
        TransportFaultOptions? faults) => receiveThreadStarted =>
    {
        var udp = new UdpTransport(new UdpTransportOptions
        {
            Bind = local.Endpoints,
            Peers = config.Nodes.Where(n => n.Id != local.Id).ToDictionary(n => n.NodeId, n => n.Endpoints),
            MaxDatagramSize = config.Limits.MaxDatagramSize,
            DontFragment = true,
            ReceiveThreadStarted = receiveThreadStarted,
            TimeProvider = time,
        }, loggers);
        return faults is null ? udp : new FaultInjectingTransport(udp, faults, loggers, time);
    };
}
