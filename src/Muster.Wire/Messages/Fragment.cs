using Muster.Core;

namespace Muster.Wire.Messages;

/// <summary>One fragment of a group message as it travels in Data and Ordered batches.</summary>
/// <remarks>
/// In a Data batch <see cref="Sequence"/> is the sender's per-view submit counter; in an Ordered batch it is the
/// view-wide sequence the sequencer assigned. Wire: seq u64, sender u32, messageNo u64, fragIndex u16,
/// fragCount u16, then from wire version 3 the service id u8, then length u32, payload. In a version-2 packet the
/// service is the group layer's.
/// </remarks>
public readonly ref struct Fragment
{
    /// <summary>Bytes a fragment adds to a batch besides its payload, at the newest wire version.</summary>
    public const int Overhead = 29;

    /// <summary>Bytes a fragment adds to a batch of wire version <paramref name="version"/> besides its payload.</summary>
    public static int OverheadAt(byte version) => version >= WireProtocol.ServiceVersion ? 29 : 28;

    public Fragment(ulong sequence, NodeId sender, ulong messageNo, ushort index, ushort count, ServiceId service,
        ReadOnlySpan<byte> payload)
    {
        Service = service;
        Sequence = sequence;
        Sender = sender;
        MessageNo = messageNo;
        Index = index;
        Count = count;
        Payload = payload;
    }

    public ulong Sequence { get; }
    public NodeId Sender { get; }
    public ulong MessageNo { get; }
    public ushort Index { get; }
    public ushort Count { get; }

    /// <summary>The service the message belongs to.</summary>
    public ServiceId Service { get; }
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Writes the fragment as wire version <paramref name="version"/> lays it out.</summary>
    /// <exception cref="InvalidOperationException">A version-2 fragment of another service than the group layer.</exception>
    public void Write(ref WireWriter writer, byte version)
    {
        writer.WriteUInt64(Sequence);
        writer.WriteNode(Sender);
        writer.WriteUInt64(MessageNo);
        writer.WriteUInt16(Index);
        writer.WriteUInt16(Count);
        if (version >= WireProtocol.ServiceVersion)
        {
            writer.WriteByte(Service.Value);
        }
        else if (Service != ServiceId.Groups)
        {
            // The engine never lets another service send in a version-2 view; this would deliver it as a group message.
            throw new InvalidOperationException($"a {Service} fragment cannot be sent at wire version {version}");
        }

        writer.WriteUInt32((uint)Payload.Length);
        writer.WriteBytes(Payload);
    }

    /// <summary>Reads a fragment of a packet of wire version <paramref name="version"/>.</summary>
    public static bool TryRead(ref WireReader reader, byte version, out Fragment fragment)
    {
        fragment = default;
        byte service = ServiceId.Groups.Value;
        if (!reader.TryReadUInt64(out ulong seq) || !reader.TryReadNode(out NodeId sender) ||
            !reader.TryReadUInt64(out ulong msg) || !reader.TryReadUInt16(out ushort index) ||
            !reader.TryReadUInt16(out ushort count) ||
            (version >= WireProtocol.ServiceVersion && !reader.TryReadByte(out service)) ||
            !reader.TryReadUInt32(out uint length) ||
            length > WireProtocol.MaxDatagramSize || !reader.TryReadBytes((int)length, out var payload))
        {
            return false;
        }

        if (count == 0 || index >= count || !sender.IsValid || service == 0)
        {
            return false;
        }

        fragment = new Fragment(seq, sender, msg, index, count, new ServiceId(service), payload);
        return true;
    }
}
