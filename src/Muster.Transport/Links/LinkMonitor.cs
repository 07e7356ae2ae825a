using Muster.Core;

namespace Muster.Transport.Links;

/// <summary>How a <see cref="LinkMonitor"/> is set up: the links, their priorities, the selection mode and the timers.</summary>
public sealed record LinkMonitorOptions
{
    /// <summary>The most links a node may have.</summary>
    public const int MaxLinks = 8;

    /// <summary>Number of links, 1..<see cref="MaxLinks"/>.</summary>
    public required int LinkCount { get; init; }

    /// <summary>One priority per link (higher preferred; ties go to the lower index); empty means all equal.</summary>
    public IReadOnlyList<int> Priorities { get; init; } = [];

    /// <summary>True: round-robin over the up links; false: the up link with the highest priority.</summary>
    public bool Active { get; init; }

    /// <summary>How often every link to every peer is probed.</summary>
    public required TimeSpan ProbeInterval { get; init; }

    /// <summary>A link that has not answered a probe for this long is down.</summary>
    public required TimeSpan LinkTimeout { get; init; }
}

/// <summary>A link to a peer that went up or down.</summary>
/// <param name="Peer">The peer.</param>
/// <param name="Link">The link index.</param>
/// <param name="Up">The new state.</param>
/// <param name="At">When the monitor noticed.</param>
/// <param name="Rtt">The smoothed round-trip time when it went up; zero when it went down.</param>
public readonly record struct LinkChange(NodeId Peer, int Link, bool Up, Instant At, TimeSpan Rtt);

/// <summary>A probe the caller must send now: a ping to <paramref name="Peer"/> over <paramref name="Link"/>.</summary>
/// <param name="Peer">The peer.</param>
/// <param name="Link">The link index.</param>
/// <param name="Sequence">The ping's sequence number (echoed in the pong).</param>
public readonly record struct ProbeRequest(NodeId Peer, int Link, uint Sequence);

/// <summary>What the monitor knows about one link to one peer.</summary>
/// <param name="Up">Whether the link answered a probe within the link timeout.</param>
/// <param name="Rtt">The smoothed round-trip time (RFC 6298's 1/8 gain), or null before the first pong since it went up.</param>
/// <param name="LastChange">When it last went up or down (the monitor's start time if it never changed).</param>
/// <param name="LastHeard">When the last valid pong arrived, or null if none ever did.</param>
/// <param name="UpTransitions">Times it went up.</param>
/// <param name="DownTransitions">Times it went down.</param>
/// <param name="ProbesSent">Pings asked for on it.</param>
/// <param name="PongsReceived">Valid pongs received on it.</param>
/// <param name="PingsReceived">Pings from the peer received on it.</param>
public readonly record struct LinkState(
    bool Up, TimeSpan? Rtt, Instant LastChange, Instant? LastHeard,
    long UpTransitions, long DownTransitions, long ProbesSent, long PongsReceived, long PingsReceived);

/// <summary>
/// Per-peer link health and link choice: a pure, deterministic core (no clock, no sockets, no randomness). The caller
/// feeds it time, sends the probes it asks for and reports the pongs; it answers which link to send a packet on.
/// </summary>
/// <remarks>
/// <para>
/// A link to a peer is up while a pong has arrived on it within <see cref="LinkMonitorOptions.LinkTimeout"/>; only a
/// pong counts, because it proves both directions. Links start down and go up with their first pong. Expiry is
/// checked at every <see cref="Tick"/>, which is due every probe interval, so a dead link is noticed at most
/// link_timeout + probe_interval after its last pong.
/// </para>
/// <para>
/// <see cref="Select"/>: passive mode gives the up link with the highest priority (ties: the lower index); active
/// mode rotates over the up links. When no link to the peer is up it gives the highest-priority link anyway, so
/// traffic keeps flowing and the membership's failure detector decides whether the peer is gone.
/// </para>
/// <para>Not thread-safe: one thread (the daemon's loop) owns it.</para>
/// </remarks>
public sealed class LinkMonitor
{
    private readonly LinkMonitorOptions _options;
    private readonly Dictionary<NodeId, Peer> _peers = [];
    private readonly NodeId[] _order;
    private readonly int[] _byPreference;
    private readonly List<LinkChange> _changes = [];
    private readonly List<ProbeRequest> _probes = [];
    private uint _sequence;
    private long _ignoredPongs;

    /// <summary>Creates the monitor with every link to every peer down, and the first probes due at once.</summary>
    /// <exception cref="ArgumentException">The options are out of range, or a peer is listed twice or invalid.</exception>
    public LinkMonitor(LinkMonitorOptions options, IEnumerable<NodeId> peers, Instant now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LinkCount, 1, nameof(options.LinkCount));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.LinkCount, LinkMonitorOptions.MaxLinks, nameof(options.LinkCount));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ProbeInterval, TimeSpan.Zero, nameof(options.ProbeInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.LinkTimeout, TimeSpan.Zero, nameof(options.LinkTimeout));
        if (options.Priorities.Count != 0 && options.Priorities.Count != options.LinkCount)
        {
            throw new ArgumentException(
                $"{options.Priorities.Count} priorities for {options.LinkCount} links", nameof(options));
        }

        _options = options;
        _byPreference = [.. Enumerable.Range(0, options.LinkCount).OrderByDescending(PriorityOf).ThenBy(i => i)];
        foreach (NodeId peer in peers)
        {
            if (!peer.IsValid || !_peers.TryAdd(peer, new Peer(options.LinkCount, now)))
            {
                throw new ArgumentException($"peer {peer} is invalid or listed twice", nameof(peers));
            }
        }
        _order = [.. _peers.Keys.OrderBy(p => p.Value)];
        NextDeadline = now;
    }

    /// <summary>The number of links.</summary>
    public int LinkCount => _options.LinkCount;

    /// <summary>A link whose last pong is older than this is down.</summary>
    public TimeSpan LinkTimeout => _options.LinkTimeout;

    /// <summary>The peers, by node id.</summary>
    public IReadOnlyList<NodeId> Peers => _order;

    /// <summary>When <see cref="Tick"/> is next due.</summary>
    public Instant NextDeadline { get; private set; }

    /// <summary>The links that went up or down since <see cref="ClearChanges"/>, in order.</summary>
    public IReadOnlyList<LinkChange> Changes => _changes;

    /// <summary>Pongs that were ignored: for an unknown peer or link, or with an impossible or stale send time.</summary>
    public long IgnoredPongs => _ignoredPongs;

    /// <summary>Times any link to any peer went up.</summary>
    public long UpTransitions { get; private set; }

    /// <summary>Times any link to any peer went down.</summary>
    public long DownTransitions { get; private set; }

    /// <summary>Forgets the reported changes.</summary>
    public void ClearChanges() => _changes.Clear();

    /// <summary>The priority of a link.</summary>
    public int PriorityOf(int link) => link < _options.Priorities.Count ? _options.Priorities[link] : 0;

    /// <summary>
    /// Takes down the links whose last pong is older than the link timeout and, when due, returns the pings to send
    /// now: one per peer per link. The returned list is reused by the next call.
    /// </summary>
    public IReadOnlyList<ProbeRequest> Tick(Instant now)
    {
        _probes.Clear();
        foreach (NodeId id in _order)
        {
            Peer peer = _peers[id];
            for (int link = 0; link < peer.Links.Length; link++)
            {
                ref Entry e = ref peer.Links[link];
                if (e.Up && now - e.LastHeard > _options.LinkTimeout)
                {
                    e.Up = false;
                    e.LastChange = now;
                    e.DownTransitions++;
                    e.Rtt = null;
                    DownTransitions++;
                    _changes.Add(new LinkChange(id, link, false, now, TimeSpan.Zero));
                }
            }
        }

        if (now >= NextDeadline)
        {
            foreach (NodeId id in _order)
            {
                Peer peer = _peers[id];
                for (int link = 0; link < peer.Links.Length; link++)
                {
                    peer.Links[link].ProbesSent++;
                    _probes.Add(new ProbeRequest(id, link, ++_sequence));
                }
            }
            NextDeadline = now + _options.ProbeInterval;
        }
        return _probes;
    }

    /// <summary>Records a ping from <paramref name="peer"/> on <paramref name="link"/> (for the counters; the caller answers it).</summary>
    /// <returns>False when the peer or link is unknown (the caller should not answer).</returns>
    public bool OnPing(NodeId peer, int link)
    {
        if (!TryGet(peer, link, out Peer? p))
        {
            return false;
        }
        p.Links[link].PingsReceived++;
        return true;
    }

    /// <summary>Records a pong: the peer answered, over <paramref name="link"/>, the ping sent at <paramref name="sentAt"/>.</summary>
    /// <param name="peer">The peer that answered.</param>
    /// <param name="link">The link the pong arrived on.</param>
    /// <param name="sentAt">The send time the ping carried, as echoed (this node's own clock).</param>
    /// <param name="now">Now.</param>
    /// <returns>
    /// False, and nothing changes, when the peer or link is unknown or the echoed time is in the future or older than
    /// the link timeout (a late pong says nothing about the link now).
    /// </returns>
    public bool OnPong(NodeId peer, int link, Instant sentAt, Instant now)
    {
        if (!TryGet(peer, link, out Peer? p) || sentAt > now || now - sentAt > _options.LinkTimeout)
        {
            _ignoredPongs++;
            return false;
        }

        ref Entry e = ref p.Links[link];
        TimeSpan sample = now - sentAt;
        e.PongsReceived++;
        e.LastHeard = now;
        e.EverHeard = true;
        // RFC 6298 smoothing: one slow pong moves the estimate by an eighth.
        e.Rtt = e.Rtt is { } rtt ? rtt + (sample - rtt) / 8 : sample;
        if (!e.Up)
        {
            e.Up = true;
            e.LastChange = now;
            e.UpTransitions++;
            UpTransitions++;
            _changes.Add(new LinkChange(peer, link, true, now, e.Rtt.Value));
        }
        return true;
    }

    /// <summary>The link to send the next packet to <paramref name="peer"/> on (0 for an unknown peer).</summary>
    public int Select(NodeId peer)
    {
        if (!_peers.TryGetValue(peer, out Peer? p))
        {
            return _byPreference[0];
        }

        if (_options.Active)
        {
            // Round-robin: the next up link after the one used last, in index order.
            int count = p.Links.Length;
            for (int step = 1; step <= count; step++)
            {
                int link = (p.Cursor + step) % count;
                if (p.Links[link].Up)
                {
                    p.Cursor = link;
                    return link;
                }
            }
            return _byPreference[0];
        }

        return Preferred(p);
    }

    /// <summary>
    /// The passive-mode choice for <paramref name="peer"/>, without moving the active rotation: the up link of highest
    /// priority (lower index on a tie), else the highest-priority link.
    /// </summary>
    public int PreferredLink(NodeId peer) => _peers.TryGetValue(peer, out Peer? p) ? Preferred(p) : _byPreference[0];

    private int Preferred(Peer p)
    {
        foreach (int link in _byPreference)
        {
            if (p.Links[link].Up)
            {
                return link;
            }
        }

        return _byPreference[0];
    }

    /// <summary>Whether at least one link to <paramref name="peer"/> is up.</summary>
    public bool IsReachable(NodeId peer) => _peers.TryGetValue(peer, out Peer? p) && p.Links.Any(l => l.Up);

    /// <summary>
    /// Time since the freshest valid pong from <paramref name="peer"/> over any link, or null if none ever arrived
    /// (or the peer is unknown). Unlike <see cref="LinkState.Up"/>, which changes only at a <see cref="Tick"/>, this is
    /// exact at <paramref name="now"/>.
    /// </summary>
    public TimeSpan? SinceLastPong(NodeId peer, Instant now)
    {
        if (!_peers.TryGetValue(peer, out Peer? p))
        {
            return null;
        }

        TimeSpan? best = null;
        foreach (Entry e in p.Links)
        {
            if (e.EverHeard && (best is null || now - e.LastHeard < best))
            {
                best = now - e.LastHeard;
            }
        }

        return best;
    }

    /// <summary>The state of one link to one peer.</summary>
    /// <exception cref="ArgumentException">The peer or link is unknown.</exception>
    public LinkState GetState(NodeId peer, int link)
    {
        if (!TryGet(peer, link, out Peer? p))
        {
            throw new ArgumentException($"no link {link} to peer {peer}", nameof(peer));
        }
        Entry e = p.Links[link];
        return new LinkState(e.Up, e.Rtt, e.LastChange, e.EverHeard ? e.LastHeard : null,
            e.UpTransitions, e.DownTransitions, e.ProbesSent, e.PongsReceived, e.PingsReceived);
    }

    private bool TryGet(NodeId peer, int link, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Peer? p) =>
        _peers.TryGetValue(peer, out p) && (uint)link < (uint)p.Links.Length;

    private struct Entry
    {
        public bool Up;
        public bool EverHeard;
        public TimeSpan? Rtt;
        public Instant LastHeard;
        public Instant LastChange;
        public long UpTransitions;
        public long DownTransitions;
        public long ProbesSent;
        public long PongsReceived;
        public long PingsReceived;
    }

    private sealed class Peer
    {
        public Peer(int links, Instant now)
        {
            Links = new Entry[links];
            for (int i = 0; i < links; i++)
            {
                Links[i].LastChange = now;
            }
            Cursor = links - 1;
        }

        public Entry[] Links { get; }

        public int Cursor { get; set; }
    }
}
