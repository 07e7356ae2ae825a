namespace Muster.Security;

/// <summary>What <see cref="PacketProtector.Open"/> made of a datagram.</summary>
public enum OpenResult
{
    /// <summary>Authentic and fresh: the plain packet was written out.</summary>
    Ok,
    /// <summary>Too short to hold the envelope and a tag.</summary>
    Truncated,
    /// <summary>Not a sealed packet (no envelope magic): sent without encryption, or not ours at all.</summary>
    NotSealed,
    /// <summary>An envelope version or cipher suite this build does not know.</summary>
    UnknownVersion,
    /// <summary>Sealed with a key this node does not hold (a different key file).</summary>
    UnknownKey,
    /// <summary>The envelope names a different node than the address it came from.</summary>
    SenderMismatch,
    /// <summary>From an incarnation older than one already heard from that node.</summary>
    StaleIncarnation,
    /// <summary>A counter already accepted, or too far behind: a replay or a duplicate.</summary>
    Replayed,
    /// <summary>The tag did not verify: forged, corrupted, or a key with a colliding fingerprint.</summary>
    AuthenticationFailed,
}
