using System.Buffers.Binary;

namespace Muster.Bench;

// The header every benchmark message starts with (32 bytes, little-endian):
//   0  u32 magic "MBEN"
//   4  u32 kind (0 data, 1 end-of-stream marker)
//   8  u32 sender node id
//  12  u32 sender process id
//  16  u64 sequence (per sender process, from 0)
//  24  i64 send timestamp (Stopwatch ticks: CLOCK_MONOTONIC in ns on Linux, the same clock in every namespace)
internal static class BenchMessage
{
    public const int HeaderSize = 32;
    public const uint Magic = 0x4E45_424D; // "MBEN"
    public const uint KindData = 0;
    public const uint KindEnd = 1;

    public static void WriteHeader(Span<byte> buffer, uint kind, uint nodeId, uint processId, ulong sequence, long timestamp)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[4..], kind);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[8..], nodeId);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[12..], processId);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[16..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[24..], timestamp);
    }

    public static void StampTime(Span<byte> buffer, long timestamp) =>
        BinaryPrimitives.WriteInt64LittleEndian(buffer[24..], timestamp);

    public static bool TryRead(ReadOnlySpan<byte> buffer, out Header header)
    {
        header = default;
        if (buffer.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(buffer) != Magic)
        {
            return false;
        }

        header = new Header(
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[12..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[24..]));
        return true;
    }

    internal readonly record struct Header(uint Kind, uint NodeId, uint ProcessId, ulong Sequence, long Timestamp);
}

// FNV-1a 64 over (node id, process id, sequence) of every delivered message, in delivery order.
internal struct OrderHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    private ulong _value;
    private bool _started;

    public readonly ulong Value => _started ? _value : Offset;

    public void Add(uint nodeId, uint processId, ulong sequence)
    {
        if (!_started)
        {
            _value = Offset;
            _started = true;
        }

        Mix(nodeId);
        Mix(processId);
        Mix((uint)sequence);
        Mix((uint)(sequence >> 32));
    }

    private void Mix(uint word)
    {
        for (int i = 0; i < 4; i++)
        {
            _value ^= (byte)(word >> (8 * i));
            _value *= Prime;
        }
    }
}
