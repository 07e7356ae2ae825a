namespace Muster.Configuration;

/// <summary>How a node spreads its traffic over its links (<c>links.mode</c>).</summary>
public enum LinkMode
{
    /// <summary>One link at a time per peer: the up link with the highest priority (the default).</summary>
    Passive = 0,
    /// <summary>Round-robin over every up link of a peer.</summary>
    Active = 1,
}

/// <summary>The redundant links (the <c>[links]</c> table).</summary>
/// <remarks>
/// Link <c>i</c> is the <c>i</c>-th entry of every node's <c>addresses</c>, so every node lists the same number of
/// addresses when there is more than one link. Lists here hold one value per link (or, for <see cref="Mtu"/>, one
/// value for all); an empty list means the default. See docs/configuration.md.
/// </remarks>
public sealed record LinkOptions
{
    /// <summary>The default IP MTU of a link, in bytes (Ethernet).</summary>
    public const int DefaultMtu = 1500;

    /// <summary>Bytes of IPv4 and UDP headers below a datagram's payload.</summary>
    public const int Ipv4Overhead = 28;

    /// <summary>Bytes of IPv6 and UDP headers below a datagram's payload.</summary>
    public const int Ipv6Overhead = 48;

    /// <summary>Passive (one link at a time) or active (round-robin) (<c>links.mode</c>).</summary>
    public LinkMode Mode { get; init; } = LinkMode.Passive;

    /// <summary>
    /// One priority per link (<c>links.priority</c>), 0..255, higher preferred; ties go to the lower link index.
    /// Empty (the default): every link has priority 0, so link 0 is preferred.
    /// </summary>
    public IReadOnlyList<int> Priorities { get; init; } = [];

    /// <summary>
    /// The IP MTU of each link in bytes (<c>links.mtu</c>), 576..65535: empty for 1500 on every link, one value for
    /// every link, or one value per link.
    /// </summary>
    public IReadOnlyList<int> Mtu { get; init; } = [];

    /// <summary>How often each link to each peer is probed (<c>links.probe_interval</c>); null: <c>timing.heartbeat_interval</c>.</summary>
    public TimeSpan? ProbeInterval { get; init; }

    /// <summary>
    /// Silence on a link after which it is down (<c>links.link_timeout</c>); null: 3 × the probe interval, capped so
    /// the link fails over before <c>timing.failure_timeout</c>.
    /// </summary>
    public TimeSpan? LinkTimeout { get; init; }

    /// <summary>The priority of link <paramref name="link"/>.</summary>
    public int PriorityOf(int link) => link < Priorities.Count ? Priorities[link] : 0;

    /// <summary>The MTU of link <paramref name="link"/>.</summary>
    public int MtuOf(int link) => Mtu.Count switch
    {
        0 => DefaultMtu,
        1 => Mtu[0],
        _ => link < Mtu.Count ? Mtu[link] : DefaultMtu,
    };

    /// <summary>The probe interval in effect with these timers.</summary>
    public TimeSpan EffectiveProbeInterval(TimingOptions timing) => ProbeInterval ?? timing.HeartbeatInterval;

    /// <summary>The link timeout in effect with these timers.</summary>
    /// <remarks>
    /// The default is 3 probe intervals (two probes may be lost), shortened to failure_timeout − 2 × probe_interval
    /// when that is less, so a failed link is noticed before the failure detector would evict the peer; never less
    /// than 2 probe intervals.
    /// </remarks>
    public TimeSpan EffectiveLinkTimeout(TimingOptions timing)
    {
        if (LinkTimeout is { } set)
        {
            return set;
        }
        TimeSpan probe = EffectiveProbeInterval(timing);
        TimeSpan shortest = 2 * probe;
        TimeSpan wanted = 3 * probe;
        TimeSpan cap = timing.FailureTimeout - 2 * probe;
        TimeSpan chosen = wanted < cap ? wanted : cap;
        return chosen > shortest ? chosen : shortest;
    }

    /// <inheritdoc/>
    public bool Equals(LinkOptions? other) =>
        other is not null && Mode == other.Mode && Priorities.SequenceEqual(other.Priorities) && Mtu.SequenceEqual(other.Mtu)
        && ProbeInterval == other.ProbeInterval && LinkTimeout == other.LinkTimeout;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mode, Priorities.Count, Mtu.Count, ProbeInterval, LinkTimeout);
}
