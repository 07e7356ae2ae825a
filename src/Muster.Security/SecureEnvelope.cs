using System.Buffers.Binary;

namespace Muster.Security;

/// <summary>
/// The layout of a sealed packet: a 32-byte clear header (authenticated, not encrypted), the encrypted packet, and
/// the 16-byte AES-GCM tag.
/// </summary>
/// <remarks>
/// <code>
///  0  u16 magic 0x4D53 ("MS")     2  u8 envelope version (1)    3  u8 suite (1 = AES-256-GCM)
///  4  u32 key fingerprint          8  u32 sender node id
/// 12  u64 sender incarnation      20  u32 nonce prefix (random per start)   24  u64 counter
/// 32  ciphertext ...  then 16 bytes of tag
/// </code>
/// The nonce is the prefix and the counter (12 bytes). All integers are big-endian.
/// </remarks>
public static class SecureEnvelope
{
    /// <summary>First two bytes of every sealed packet.</summary>
    public const ushort Magic = 0x4D53;

    /// <summary>The envelope version this build writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>The suite number of AES-256-GCM.</summary>
    public const byte SuiteAes256Gcm = 1;

    /// <summary>Bytes of the clear header.</summary>
    public const int HeaderSize = 32;

    /// <summary>Bytes of the authentication tag.</summary>
    public const int TagSize = 16;

    /// <summary>Bytes a sealed packet adds to the plain one.</summary>
    public const int Overhead = HeaderSize + TagSize;

    /// <summary>True if <paramref name="datagram"/> starts like a sealed packet (it may still be forged).</summary>
    public static bool LooksSealed(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(datagram) == Magic;

    internal readonly record struct Header(byte Suite, uint Fingerprint, uint Sender, ulong Incarnation, uint NoncePrefix, ulong Counter)
    {
        public void Write(Span<byte> destination)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, Magic);
            destination[2] = Version;
            destination[3] = Suite;
            BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Fingerprint);
            BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Sender);
            BinaryPrimitives.WriteUInt64BigEndian(destination[12..], Incarnation);
            BinaryPrimitives.WriteUInt32BigEndian(destination[20..], NoncePrefix);
            BinaryPrimitives.WriteUInt64BigEndian(destination[24..], Counter);
        }

        public void WriteNonce(Span<byte> nonce)
        {
            BinaryPrimitives.WriteUInt32BigEndian(nonce, NoncePrefix);
            BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], Counter);
        }

        public static Header Read(ReadOnlySpan<byte> source) => new(
            source[3],
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[20..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[24..]));
    }
}
