using System.Net;
using Muster.Core;
using Muster.Diagnostics;

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
    public FaultInjectingTransport(IClusterTransport inner, TransportFaultOptions options, Logger logger)
    {
        _inner = inner;
        // Loud on purpose: a daemon that delays its own packets must never pass unnoticed.
        logger.Warn("transport", $"TEST-ONLY FAULT INJECTION IS ON ({TransportFaultOptions.EnvironmentVariable}=\"{options.Text}\"): " +
            $"every datagram sent is delayed by {options.Delay.TotalMilliseconds} ms plus up to {options.Jitter.TotalMilliseconds} ms, " +
            $"{options.ReorderShare:P1} are held back a further {options.ReorderDelay.TotalMilliseconds} ms. Never set this in production.");
        _faults = new FaultInjector<(NodeId Node, int Link)>(options, (target, datagram) => _inner.Send(target.Node, target.Link, datagram));
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
