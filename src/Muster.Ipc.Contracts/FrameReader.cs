using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>Reads little-endian fields from a peer's untrusted bytes. Never throws.</summary>
/// <remarks>
/// The first failed read records why in <see cref="Error"/>; every later read returns a default value, so decoders
/// read all fields straight through and check <see cref="Error"/> once at the end.
/// </remarks>
internal ref struct FrameReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public FrameReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        Error = null;
    }

    public readonly int Remaining => _buffer.Length - _position;

    public string? Error { get; private set; }

    public readonly bool Failed => Error is not null;

    public void Fail(string reason) => Error ??= reason;

    private bool Need(int bytes, string field)
    {
        if (Error is not null)
        {
            return false;
        }

        if (Remaining < bytes)
        {
            Error = $"truncated: {field} needs {bytes} bytes, {Remaining} left";
            return false;
        }

        return true;
    }

    public byte ReadByte(string field)
    {
        if (!Need(1, field))
        {
            return 0;
        }

        return _buffer[_position++];
    }

    public ushort ReadUInt16(string field)
    {
        if (!Need(2, field))
        {
            return 0;
        }

        ushort v = BinaryPrimitives.ReadUInt16LittleEndian(_buffer[_position..]);
        _position += 2;
        return v;
    }

    public uint ReadUInt32(string field)
    {
        if (!Need(4, field))
        {
            return 0;
        }

        uint v = BinaryPrimitives.ReadUInt32LittleEndian(_buffer[_position..]);
        _position += 4;
        return v;
    }

    public ulong ReadUInt64(string field)
    {
        if (!Need(8, field))
        {
            return 0;
        }

        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer[_position..]);
        _position += 8;
        return v;
    }

    public long ReadInt64(string field) => (long)ReadUInt64(field);

    public NodeId ReadNode(string field) => new(ReadUInt32(field));

    public ViewId ReadViewId(string field)
    {
        ulong sequence = ReadUInt64(field);
        uint coordinator = ReadUInt32(field);
        return new ViewId(sequence, new NodeId(coordinator));
    }

    public TimeSpan ReadTimeSpan(string field) => TimeSpan.FromTicks(ReadInt64(field));

    public string ReadString(string field)
    {
        int length = ReadUInt16(field);
        if (!Need(length, field))
        {
            return string.Empty;
        }

        var bytes = _buffer.Slice(_position, length);
        if (!Utf8.IsValid(bytes))
        {
            Fail($"{field} is not valid UTF-8");
            return string.Empty;
        }

        _position += length;
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>A u32-length byte string, copied out (the frame buffer is reused for the next frame).</summary>
    public byte[] ReadBlob(string field)
    {
        uint length = ReadUInt32(field);
        if (Error is not null)
        {
            return [];
        }

        if (length > (uint)Remaining)
        {
            Fail($"truncated: {field} claims {length} bytes, {Remaining} left");
            return [];
        }

        byte[] copy = _buffer.Slice(_position, (int)length).ToArray();
        _position += (int)length;
        return copy;
    }

    /// <summary>
    /// A u32 element count. Each element takes at least <paramref name="minElementSize"/> bytes, so a count the
    /// remaining bytes cannot hold is rejected here, before anything is allocated for it.
    /// </summary>
    public int ReadCount(int minElementSize, string field)
    {
        uint count = ReadUInt32(field);
        if (Error is not null)
        {
            return 0;
        }

        if (count > (uint)(Remaining / minElementSize))
        {
            Fail($"{field} count {count} cannot fit in the {Remaining} bytes left");
            return 0;
        }

        return (int)count;
    }

    public bool ReadBool(string field)
    {
        byte b = ReadByte(field);
        if (b > 1)
        {
            Fail($"{field} must be 0 or 1, got {b}");
        }

        return b == 1;
    }

    /// <summary>A byte-sized enum whose valid values are <paramref name="min"/>..<paramref name="max"/>.</summary>
    public byte ReadEnumByte(byte min, byte max, string field)
    {
        byte b = ReadByte(field);
        if (Error is null && (b < min || b > max))
        {
            Fail($"{field} has unknown value {b}");
        }

        return b;
    }
}
