using System.Net;
using Muster.Core;
using Microsoft.Extensions.Logging;

namespace Muster.Transport.Faults;

/// <summary>
/// TEST-ONLY: a transport that delays, jitters and reorders every datagram it sends (see
/// <see cref="TransportFaultOptions"/>) and otherwise passes everything to the transport it wraps. The daemon's
/// composition root wraps its UDP transport in one only when the test bed asks for faults; the UDP transport itself
/// knows nothing of faults.
/// </summary>
public sealed class FaultInjectingTransport : IClusterTransport
{
    private readonly IClusterTransport _inner;
    private readonly FaultInjector<(NodeId Node, int Link)> _faults;

    /// <summary>Wraps <paramref name="inner"/>; held datagrams go out on a thread of the injector's own.</summary>
    /// <param name="inner">The transport that sends for real.</param>
    /// <param name="options">The faults.</param>
    /// <param name="loggers">Where the warning that faults are on goes (category <c>transport</c>).</param>
    /// <param name="time">The clock the hold times are measured on (default <see cref="TimeProvider.System"/>).</param>
    public FaultInjectingTransport(IClusterTransport inner, TransportFaultOptions options, ILoggerFactory loggers,
        TimeProvider? time = null)
    {
        _inner = inner;
        // Loud on purpose: a daemon that delays its own packets must never pass unnoticed.
        TransportLog.FaultInjectionOn(loggers.CreateLogger("transport"), TransportFaultOptions.EnvironmentVariable, options.Text,
            options.Delay.TotalMilliseconds, options.Jitter.TotalMilliseconds, options.ReorderShare, options.ReorderDelay.TotalMilliseconds);
        _faults = new FaultInjector<(NodeId Node, int Link)>(options, (target, datagram) => _inner.Send(target.Node, target.Link, datagram), time);
    }

    /// <summary>Datagrams held and not yet sent.</summary>
    public int Pending => _faults.Pending;

    /// <inheritdoc/>
    public IReadOnlyList<IPEndPoint> LocalEndpoints => _inner.LocalEndpoints;

    /// <inheritdoc/>
    public int MaxDatagramSize => _inner.MaxDatagramSize;

    /// <inheritdoc/>
    public void Start(PacketHandler handler) => _inner.Start(handler);

    /// <inheritdoc/>
    public void Send(NodeId destination, int link, ReadOnlySpan<byte> datagram)
    {
        // Checked here, where the caller can see it, not later on the injector's thread.
        if (datagram.Length > _inner.MaxDatagramSize)
        {
            throw new ArgumentException(
                $"datagram of {datagram.Length} bytes is larger than the maximum of {_inner.MaxDatagramSize}", nameof(datagram));
        }

        _faults.Hold((destination, link), datagram);
    }

    /// <inheritdoc/>
    public IPEndPoint? PeerEndpoint(NodeId node, int link) => _inner.PeerEndpoint(node, link);

    /// <inheritdoc/>
    public IReadOnlyList<UnknownSource> RecentUnknownSources() => _inner.RecentUnknownSources();

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() => _inner.Snapshot();

    /// <summary>Stops the injector (held datagrams are dropped, like packets in flight), then the inner transport.</summary>
    public void Dispose()
    {
        _faults.Dispose();
        _inner.Dispose();
    }
}
