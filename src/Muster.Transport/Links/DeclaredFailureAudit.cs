using Muster.Core;

namespace Muster.Transport.Links;

/// <summary>
/// Counts, per peer, the times the membership declared the peer gone (failed or unreachable) while the
/// <see cref="LinkMonitor"/> still had a pong from it within the link timeout: a pong proves both directions of a
/// link work, so a non-zero count means the membership protocol, not the network, made the call.
/// </summary>
/// <remarks>
/// The configuration requires link_timeout + probe_interval &lt; failure_timeout, so a peer that really went silent
/// has no fresh pong by the time the failure detector gives up on it: a true failure is never counted. Clean leaves
/// and restarts are not verdicts about the network and are never counted either. Pure and single-threaded, like the
/// monitor it reads.
/// </remarks>
public sealed class DeclaredFailureAudit
{
    private readonly LinkMonitor _links;
    private readonly Dictionary<NodeId, long> _counts = [];

    /// <summary>Creates the audit over the monitor whose pongs decide; every peer of the monitor starts at zero.</summary>
    public DeclaredFailureAudit(LinkMonitor links)
    {
        _links = links;
        foreach (NodeId peer in links.Peers)
        {
            _counts[peer] = 0;
        }
    }

    /// <summary>The peers, by node id (the monitor's).</summary>
    public IReadOnlyList<NodeId> Peers => _links.Peers;

    /// <summary>Times <paramref name="peer"/> was declared gone while a link to it answered (0 for an unknown peer).</summary>
    public long CountFor(NodeId peer) => _counts.GetValueOrDefault(peer);

    /// <summary>Records that the membership reported <paramref name="peer"/> left a view at <paramref name="now"/>.</summary>
    /// <param name="peer">The member that left.</param>
    /// <param name="declaredFailed">
    /// True when the membership decided the peer is gone (reasons failed or unreachable); false for a clean leave or a
    /// restart, which are never counted.
    /// </param>
    /// <param name="now">When the view change was reported.</param>
    /// <returns>The age of the peer's freshest pong when the departure was counted; null when it was not.</returns>
    public TimeSpan? OnDeparture(NodeId peer, bool declaredFailed, Instant now)
    {
        if (!declaredFailed || !_counts.TryGetValue(peer, out long count)
            || _links.SinceLastPong(peer, now) is not { } age || age > _links.LinkTimeout)
        {
            return null;
        }

        _counts[peer] = count + 1;
        return age;
    }
}
