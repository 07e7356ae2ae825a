using System.Buffers.Binary;
using System.Text;
using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>Appends little-endian fields to a span, or only counts them.</summary>
/// <remarks>
/// Each message has one <c>Write</c> method that runs twice: first over a counting writer to size the frame, then
/// over the real buffer. One code path for both means the size and the bytes can never disagree.
/// </remarks>
internal ref struct FrameWriter
{
    private readonly Span<byte> _buffer;
    private readonly bool _countOnly;
    private int _position;

    private FrameWriter(Span<byte> buffer, bool countOnly)
    {
        _buffer = buffer;
        _countOnly = countOnly;
        _position = 0;
    }

    public static FrameWriter Counter() => new([], countOnly: true);

    public static FrameWriter Over(Span<byte> buffer) => new(buffer, countOnly: false);

    public readonly int Position => _position;

    public void WriteByte(byte value)
    {
        if (!_countOnly)
        {
            _buffer[_position] = value;
        }

        _position += 1;
    }

    public void WriteUInt16(ushort value)
    {
        if (!_countOnly)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer[_position..], value);
        }

        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        if (!_countOnly)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_position..], value);
        }

        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        if (!_countOnly)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_position..], value);
        }

        _position += 8;
    }

    public void WriteInt64(long value) => WriteUInt64((ulong)value);

    public void WriteNode(NodeId node) => WriteUInt32(node.Value);

    public void WriteViewId(ViewId view)
    {
        WriteUInt64(view.Sequence);
        WriteUInt32(view.Coordinator.Value);
    }

    public void WriteTimeSpan(TimeSpan value) => WriteInt64(value.Ticks);

    /// <summary>u16 byte length, then UTF-8. Longer than 65535 bytes is the caller's bug.</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"string of {length} UTF-8 bytes does not fit the protocol's u16 length", nameof(value));
        }

        WriteUInt16((ushort)length);
        if (!_countOnly)
        {
            Encoding.UTF8.GetBytes(value, _buffer.Slice(_position, length));
        }

        _position += length;
    }

    /// <summary>u32 byte length, then the bytes.</summary>
    public void WriteBlob(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        if (!_countOnly)
        {
            bytes.CopyTo(_buffer[_position..]);
        }

        _position += bytes.Length;
    }

    public void WriteCount(int count) => WriteUInt32((uint)count);
}
