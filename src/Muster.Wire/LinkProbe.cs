namespace Muster.Wire;

/// <summary>Whether a <see cref="LinkProbe"/> asks or answers.</summary>
public enum LinkProbeKind : byte
{
    /// <summary>Sent on every link to every peer each probe interval.</summary>
    Ping = 1,
    /// <summary>The answer, on the link the ping arrived on, echoing its sequence and send time.</summary>
    Pong = 2,
}

/// <summary>
/// A link-health probe: a packet the daemon handles itself, never given to the membership engine.
/// </summary>
/// <remarks>
/// <para>
/// Layout (little-endian, 28 bytes): magic u16 (<see cref="Magic"/>, the bytes "ML"), version u8, kind u8, link u8,
/// three zero bytes, clusterHash u32, sender node u32, sequence u32, sentAt i64. It starts with a magic no
/// membership packet (bytes "MU") or sealed envelope (bytes "MS") starts with, so the three can never be confused;
/// it travels sealed like every other packet when encryption is on.
/// </para>
/// <para>
/// <c>link</c> is the link index the ping was sent on (a pong copies it). <c>sentAt</c> is the pinger's own
/// monotonic clock in ticks, echoed unchanged, so the round-trip time needs no clock agreement between nodes.
/// </para>
/// </remarks>
/// <param name="Kind">Ping or pong.</param>
/// <param name="Link">The link index the ping was sent on.</param>
/// <param name="ClusterHash">The cluster name's hash (see <see cref="WireProtocol.ClusterHash"/>).</param>
/// <param name="Sender">The node that sent this probe.</param>
/// <param name="Sequence">The ping's sequence number.</param>
/// <param name="SentAt">The ping's send time on the pinger's clock, in ticks.</param>
public readonly record struct LinkProbe(LinkProbeKind Kind, byte Link, uint ClusterHash, Core.NodeId Sender, uint Sequence, long SentAt)
{
    /// <summary>First two bytes of a probe: "ML" read little-endian.</summary>
    public const ushort Magic = 0x4C4D;

    /// <summary>The probe format version this build writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>Bytes of a probe.</summary>
    public const int Size = 28;

    /// <summary>True if <paramref name="packet"/> starts with the probe magic (it may still be malformed).</summary>
    public static bool IsProbe(ReadOnlySpan<byte> packet) =>
        packet.Length >= 2 && System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(packet) == Magic;

    /// <summary>Writes the probe into <paramref name="destination"/> (at least <see cref="Size"/> bytes); returns its length.</summary>
    public int Write(Span<byte> destination)
    {
        var w = new WireWriter(destination[..Size]);
        w.WriteUInt16(Magic);
        w.WriteByte(Version);
        w.WriteByte((byte)Kind);
        w.WriteByte(Link);
        w.WriteByte(0);
        w.WriteUInt16(0);
        w.WriteUInt32(ClusterHash);
        w.WriteNode(Sender);
        w.WriteUInt32(Sequence);
        w.WriteUInt64((ulong)SentAt);
        return w.Position;
    }

    /// <summary>Reads a probe; false with a reason for anything but exactly one well-formed probe.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out LinkProbe probe, out string? error)
    {
        probe = default;
        if (packet.Length != Size)
        {
            error = $"probe of {packet.Length} bytes (expected {Size})";
            return false;
        }
        var r = new WireReader(packet);
        r.TryReadUInt16(out ushort magic);
        r.TryReadByte(out byte version);
        r.TryReadByte(out byte kind);
        r.TryReadByte(out byte link);
        r.TryReadByte(out _);
        r.TryReadUInt16(out _);
        r.TryReadUInt32(out uint cluster);
        r.TryReadNode(out Core.NodeId sender);
        r.TryReadUInt32(out uint sequence);
        r.TryReadUInt64(out ulong sentAt);
        error = magic != Magic ? "bad magic"
            : version != Version ? $"unknown probe version {version}"
            : kind is not ((byte)LinkProbeKind.Ping or (byte)LinkProbeKind.Pong) ? $"unknown probe kind {kind}"
            : !sender.IsValid ? "invalid sender node id"
            : null;
        if (error is not null)
        {
            return false;
        }
        probe = new LinkProbe((LinkProbeKind)kind, link, cluster, sender, sequence, (long)sentAt);
        return true;
    }
}
