using Muster.Core;

namespace Muster.Wire.Messages;

/// <summary>One fragment of a group message as it travels in Data and Ordered batches.</summary>
/// <remarks>
/// In a Data batch <see cref="Sequence"/> is the sender's per-view submit counter; in an Ordered batch it is the
/// view-wide sequence the sequencer assigned. Wire: seq u64, sender u32, messageNo u64, fragIndex u16,
/// fragCount u16, length u32, payload.
/// </remarks>
public readonly ref struct Fragment
{
    /// <summary>Bytes a fragment adds to a batch besides its payload.</summary>
    public const int Overhead = 28;

    public Fragment(ulong sequence, NodeId sender, ulong messageNo, ushort index, ushort count, ReadOnlySpan<byte> payload)
    {
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
    public ReadOnlySpan<byte> Payload { get; }

    public int EncodedSize => Overhead + Payload.Length;

    public void Write(ref WireWriter writer)
    {
        writer.WriteUInt64(Sequence);
        writer.WriteNode(Sender);
        writer.WriteUInt64(MessageNo);
        writer.WriteUInt16(Index);
        writer.WriteUInt16(Count);
        writer.WriteUInt32((uint)Payload.Length);
        writer.WriteBytes(Payload);
    }

    public static bool TryRead(ref WireReader reader, out Fragment fragment)
    {
        fragment = default;
        if (!reader.TryReadUInt64(out ulong seq) || !reader.TryReadNode(out NodeId sender) ||
            !reader.TryReadUInt64(out ulong msg) || !reader.TryReadUInt16(out ushort index) ||
            !reader.TryReadUInt16(out ushort count) || !reader.TryReadUInt32(out uint length) ||
            length > WireProtocol.MaxDatagramSize || !reader.TryReadBytes((int)length, out var payload))
        {
            return false;
        }

        if (count == 0 || index >= count || !sender.IsValid)
        {
            return false;
        }

        fragment = new Fragment(seq, sender, msg, index, count, payload);
        return true;
    }
}
