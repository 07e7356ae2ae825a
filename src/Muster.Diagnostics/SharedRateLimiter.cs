using Muster.Core;
using Muster.Core.Diagnostics;

namespace Muster.Diagnostics;

/// <summary>A <see cref="RateLimiter"/> that several threads may share (the transport's receive threads, the IPC server).</summary>
public sealed class SharedRateLimiter
{
    private readonly RateLimiter _limiter;
    private readonly Lock _sync = new();

    /// <summary>Creates a limiter that lets one event per <paramref name="interval"/> through for each key.</summary>
    public SharedRateLimiter(TimeSpan interval, int maxKeys = 1024) => _limiter = new RateLimiter(interval, maxKeys);

    /// <inheritdoc cref="RateLimiter.TryAcquire"/>
    public bool TryAcquire(string key, Instant now, out long suppressed)
    {
        lock (_sync)
        {
            return _limiter.TryAcquire(key, now, out suppressed);
        }
    }
}
