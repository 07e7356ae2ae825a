using System.Buffers.Binary;
using Muster.Core;

namespace Muster.Wire;

/// <summary>Appends little-endian fields to a span. The caller sizes the span; overflow is a programming error.</summary>
public ref struct WireWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Creates a writer over <paramref name="buffer"/>.</summary>
    public WireWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes still free.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteNode(NodeId node) => WriteUInt32(node.Value);

    public void WriteViewId(ViewId view)
    {
        WriteUInt64(view.Sequence);
        WriteUInt32(view.Coordinator.Value);
    }

    public void WriteMember(MemberId member)
    {
        WriteUInt32(member.Node.Value);
        WriteUInt64(member.Incarnation);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    /// <summary>Reserves two bytes for a count written later with <see cref="PatchUInt16"/>.</summary>
    public int ReserveUInt16()
    {
        int at = _position;
        _position += 2;
        return at;
    }

    public readonly void PatchUInt16(int at, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_buffer[at..], value);
}
