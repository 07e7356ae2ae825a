using System.Net;
using System.Net.Sockets;
using Muster.Core;

namespace Muster.Transport;

/// <summary>A source address and port outside the node list whose datagrams the transport dropped.</summary>
/// <param name="Endpoint">The source, as text (<c>10.0.0.9:5405</c>).</param>
/// <param name="Datagrams">Datagrams dropped from it since it was first seen.</param>
/// <param name="FirstSeen">When the first arrived (the transport's monotonic clock, as the daemon's).</param>
/// <param name="LastSeen">When the latest arrived.</param>
public sealed record UnknownSource(string Endpoint, long Datagrams, Instant FirstSeen, Instant LastSeen);

// The unknown sources seen lately, for the log and for `muster status`. Bounded: at most Capacity sources are
// tracked (one not seen for Expiry gives its place up), so a flood of spoofed source addresses costs a counter, not
// memory, and at most Capacity + 1 log lines per interval (one per tracked source, one for all the others).
internal sealed class UnknownSources(TimeSpan logInterval)
{
    public const int Capacity = 16;
    private static readonly TimeSpan s_expiry = TimeSpan.FromMinutes(1);

    private readonly Lock _sync = new();
    private readonly Dictionary<EndpointKey, Entry> _entries = [];
    private Instant _othersLogged = new(long.MinValue / 2);
    private long _othersSuppressed;

    // Counts a datagram from `from`. True when it should be logged now; `endpoint` is then the source as text, and
    // `suppressed` how many datagrams from it (or from untracked sources, when `endpoint` is null) were not logged.
    public bool Record(SocketAddress from, Instant now, out string? endpoint, out long suppressed)
    {
        endpoint = null;
        suppressed = 0;
        lock (_sync)
        {
            if (!EndpointKey.TryFrom(from, out EndpointKey key, out _))
            {
                return LogOthers(now, out suppressed);
            }

            if (!_entries.TryGetValue(key, out Entry? entry))
            {
                if (_entries.Count >= Capacity && !TryExpire(now))
                {
                    return LogOthers(now, out suppressed);
                }

                entry = new Entry(Describe(from), now);
                _entries.Add(key, entry);
                endpoint = entry.Endpoint;
                return true;
            }

            entry.Datagrams++;
            entry.LastSeen = now;
            if (now - entry.LastLogged < logInterval)
            {
                entry.Suppressed++;
                return false;
            }

            endpoint = entry.Endpoint;
            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.LastLogged = now;
            return true;
        }
    }

    public IReadOnlyList<UnknownSource> Snapshot()
    {
        lock (_sync)
        {
            return [.. _entries.Values.Select(e => new UnknownSource(e.Endpoint, e.Datagrams, e.FirstSeen, e.LastSeen))];
        }
    }

    // Under _sync.
    private bool LogOthers(Instant now, out long suppressed)
    {
        suppressed = 0;
        if (now - _othersLogged < logInterval)
        {
            _othersSuppressed++;
            return false;
        }

        suppressed = _othersSuppressed;
        _othersSuppressed = 0;
        _othersLogged = now;
        return true;
    }

    // Under _sync.
    private bool TryExpire(Instant now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.LastSeen > s_expiry)
            {
                _entries.Remove(key);
                return true;
            }
        }

        return false;
    }

    internal static string Describe(SocketAddress address)
    {
        try
        {
            IPEndPoint template = address.Family == AddressFamily.InterNetworkV6 ? new(IPAddress.IPv6Any, 0) : new(IPAddress.Any, 0);
            var endpoint = (IPEndPoint)template.Create(address);
            // A dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d; the node list writes them as a.b.c.d.
            return endpoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port).ToString() : endpoint.ToString();
        }
        catch (ArgumentException)
        {
            return $"({address.Family})";
        }
    }

    private sealed class Entry(string endpoint, Instant now)
    {
        public string Endpoint { get; } = endpoint;
        public Instant FirstSeen { get; } = now;
        public Instant LastSeen { get; set; } = now;
        public Instant LastLogged { get; set; } = now;
        public long Datagrams { get; set; } = 1;
        public long Suppressed { get; set; }
    }
}
