namespace Muster.Security;

/// <summary>What the packet protection did, for <c>muster status</c>. Touched by the daemon's loop thread only.</summary>
public sealed class SecurityCounters
{
    private readonly long[] _dropped = new long[Enum.GetValues<OpenResult>().Length];

    /// <summary>Packets sealed.</summary>
    public long Sealed { get; internal set; }

    /// <summary>Packets opened: authentic and fresh.</summary>
    public long Opened { get; internal set; }

    /// <summary>Packets dropped for <paramref name="reason"/>.</summary>
    public long Dropped(OpenResult reason) => _dropped[(int)reason];

    /// <summary>Every packet dropped, whatever the reason.</summary>
    public long DroppedTotal => _dropped.Sum();

    internal void CountDrop(OpenResult reason) => _dropped[(int)reason]++;

    /// <summary>The counters by name, for the status report.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
    [
        new("crypto_sealed", Sealed),
        new("crypto_opened", Opened),
        new("crypto_drop_truncated", Dropped(OpenResult.Truncated)),
        new("crypto_drop_not_sealed", Dropped(OpenResult.NotSealed)),
        new("crypto_drop_unknown_version", Dropped(OpenResult.UnknownVersion)),
        new("crypto_drop_unknown_key", Dropped(OpenResult.UnknownKey)),
        new("crypto_drop_sender_mismatch", Dropped(OpenResult.SenderMismatch)),
        new("crypto_drop_stale_incarnation", Dropped(OpenResult.StaleIncarnation)),
        new("crypto_drop_replayed", Dropped(OpenResult.Replayed)),
        new("crypto_drop_auth_failed", Dropped(OpenResult.AuthenticationFailed)),
    ];
}
