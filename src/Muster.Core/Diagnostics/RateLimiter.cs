namespace Muster.Core.Diagnostics;

/// <summary>Allows at most one event per interval per key and counts what it suppressed.</summary>
/// <remarks>
/// Used to log rejected packets and misbehaving clients without letting an attacker flood the log. Pure (time comes in
/// with every call) and not thread-safe: the cores use it from their one thread; a shell that shares one between
/// threads uses <c>Muster.Diagnostics.SharedRateLimiter</c>.
/// </remarks>
public sealed class RateLimiter
{
    private readonly TimeSpan _interval;
    private readonly Dictionary<string, (Instant Last, long Suppressed)> _entries = new(StringComparer.Ordinal);
    private readonly int _maxKeys;

    /// <summary>Creates a limiter that lets one event per <paramref name="interval"/> through for each key.</summary>
    public RateLimiter(TimeSpan interval, int maxKeys = 1024)
    {
        _interval = interval;
        _maxKeys = maxKeys;
    }

    /// <summary>
    /// True when an event for <paramref name="key"/> may be reported now; <paramref name="suppressed"/> is how many
    /// were held back since the last one reported.
    /// </summary>
    public bool TryAcquire(string key, Instant now, out long suppressed)
    {
        if (_entries.TryGetValue(key, out var entry) && now - entry.Last < _interval)
        {
            _entries[key] = (entry.Last, entry.Suppressed + 1);
            suppressed = 0;
            return false;
        }

        if (_entries.Count >= _maxKeys && !_entries.ContainsKey(key))
        {
            // Bounded: forget everything rather than grow without limit.
            _entries.Clear();
        }

        suppressed = entry.Suppressed;
        _entries[key] = (now, 0);
        return true;
    }
}
