using System.Buffers.Binary;
using Muster.Core;

namespace Muster.Wire;

/// <summary>Reads little-endian fields from untrusted bytes. Every read checks the length and reports failure.</summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>Creates a reader over <paramref name="buffer"/>.</summary>
    public WireReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    public bool TryReadByte(out byte value)
    {
        if (Remaining < 1)
        {
            value = 0;
            return false;
        }

        value = _buffer[_position++];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (!BinaryPrimitives.TryReadUInt16LittleEndian(_buffer[_position..], out value))
        {
            return false;
        }

        _position += 2;
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (!BinaryPrimitives.TryReadUInt32LittleEndian(_buffer[_position..], out value))
        {
            return false;
        }

        _position += 4;
        return true;
    }

    public bool TryReadUInt64(out ulong value)
    {
        if (!BinaryPrimitives.TryReadUInt64LittleEndian(_buffer[_position..], out value))
        {
            return false;
        }

        _position += 8;
        return true;
    }

    public bool TryReadNode(out NodeId node)
    {
        bool ok = TryReadUInt32(out uint v);
        node = new NodeId(v);
        return ok;
    }

    public bool TryReadViewId(out ViewId view)
    {
        if (TryReadUInt64(out ulong seq) && TryReadUInt32(out uint coord))
        {
            view = new ViewId(seq, new NodeId(coord));
            return true;
        }

        view = default;
        return false;
    }

    public bool TryReadMember(out MemberId member)
    {
        if (TryReadUInt32(out uint node) && TryReadUInt64(out ulong inc))
        {
            member = new MemberId(new NodeId(node), inc);
            return true;
        }

        member = default;
        return false;
    }

    /// <summary>Returns the next <paramref name="length"/> bytes without copying.</summary>
    public bool TryReadBytes(int length, out ReadOnlySpan<byte> bytes)
    {
        if (length < 0 || Remaining < length)
        {
            bytes = default;
            return false;
        }

        bytes = _buffer.Slice(_position, length);
        _position += length;
        return true;
    }
}
