using Muster.Core;

namespace Muster.Wire;

/// <summary>The fixed 32-byte header of every cluster packet.</summary>
/// <remarks>
/// Layout (little-endian): magic u16, version u8, type u8, minVersion u8, maxVersion u8, flags u16,
/// clusterHash u32, sender node u32, configVersion u64, sender incarnation u64.
/// <c>version</c> is the format of this packet's body; <c>minVersion</c>..<c>maxVersion</c> is what the sender
/// speaks, so a cluster can agree on the highest common version during a rolling upgrade.
/// </remarks>
public readonly record struct PacketHeader(
    byte Version,
    PacketType Type,
    byte MinVersion,
    byte MaxVersion,
    uint ClusterHash,
    NodeId Sender,
    ulong ConfigVersion,
    ulong Incarnation)
{
    /// <summary>Writes the header.</summary>
    public void Write(ref WireWriter writer)
    {
        writer.WriteUInt16(WireProtocol.Magic);
        writer.WriteByte(Version);
        writer.WriteByte((byte)Type);
        writer.WriteByte(MinVersion);
        writer.WriteByte(MaxVersion);
        writer.WriteUInt16(0);
        writer.WriteUInt32(ClusterHash);
        writer.WriteNode(Sender);
        writer.WriteUInt64(ConfigVersion);
        writer.WriteUInt64(Incarnation);
    }

    /// <summary>Reads a header; false with a reason when the bytes are not one of ours.</summary>
    public static bool TryRead(ref WireReader reader, out PacketHeader header, out string? error)
    {
        header = default;
        if (!reader.TryReadUInt16(out ushort magic) || !reader.TryReadByte(out byte version) ||
            !reader.TryReadByte(out byte type) || !reader.TryReadByte(out byte min) ||
            !reader.TryReadByte(out byte max) || !reader.TryReadUInt16(out _) ||
            !reader.TryReadUInt32(out uint cluster) || !reader.TryReadNode(out NodeId sender) ||
            !reader.TryReadUInt64(out ulong config) || !reader.TryReadUInt64(out ulong inc))
        {
            error = "truncated header";
            return false;
        }

        if (magic != WireProtocol.Magic)
        {
            error = "bad magic";
            return false;
        }

        if (type is 0 or > (byte)PacketType.Service)
        {
            error = $"unknown packet type {type}";
            return false;
        }

        if (min > max || version < min || version > max)
        {
            error = $"inconsistent versions (packet {version}, range {min}..{max})";
            return false;
        }

        if (!sender.IsValid)
        {
            error = "invalid sender node id";
            return false;
        }

        header = new PacketHeader(version, (PacketType)type, min, max, cluster, sender, config, inc);
        error = null;
        return true;
    }
}
