using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Muster.Security;

/// <summary>A cluster's shared secret, as read from its key file, with the fingerprint that names it on the wire.</summary>
/// <remarks>
/// The secret itself never leaves the node: packets carry only the 32-bit fingerprint, so that a receiver can tell
/// which of its keys (the current one, or the one being rotated in or out) a packet was sealed with.
/// </remarks>
public sealed class ClusterKey
{
    /// <summary>Fewest bytes a key file may hold (256 bits).</summary>
    public const int MinLength = 32;

    /// <summary>Most bytes a key file may hold.</summary>
    public const int MaxLength = 4096;

    private readonly byte[] _secret;

    private ClusterKey(byte[] secret, string source)
    {
        _secret = secret;
        Source = source;
        // A hash of the secret under a label of its own: it names the key without revealing anything usable about it.
        Span<byte> hash = stackalloc byte[32];
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            sha.AppendData("muster key fingerprint v1"u8);
            sha.AppendData(secret);
            sha.GetHashAndReset(hash);
        }

        Fingerprint = BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    /// <summary>Where the key came from (a file path), for messages.</summary>
    public string Source { get; }

    /// <summary>The key's 32-bit name, carried in every packet sealed with it.</summary>
    public uint Fingerprint { get; }

    /// <summary>The fingerprint as 8 hex digits, as logs and <c>muster key status</c> show it.</summary>
    public string FingerprintText => FormatFingerprint(Fingerprint);

    internal ReadOnlySpan<byte> Secret => _secret;

    /// <summary>Formats a fingerprint as 8 lower-case hex digits.</summary>
    public static string FormatFingerprint(uint fingerprint) => fingerprint.ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Makes a key of <paramref name="secret"/> (copied).</summary>
    /// <exception cref="KeyFileException">Fewer than <see cref="MinLength"/> or more than <see cref="MaxLength"/> bytes.</exception>
    public static ClusterKey FromBytes(ReadOnlySpan<byte> secret, string source)
    {
        if (secret.Length < MinLength)
        {
            throw new KeyFileException(source,
                $"holds {secret.Length} bytes; a key needs at least {MinLength} (256 bits): make one with `muster keygen`");
        }

        if (secret.Length > MaxLength)
        {
            throw new KeyFileException(source, $"holds {secret.Length} bytes; a key may hold at most {MaxLength}");
        }

        return new ClusterKey(secret.ToArray(), source);
    }

    /// <summary>A new key of <paramref name="length"/> random bytes from the operating system's generator.</summary>
    public static ClusterKey Generate(string source, int length = MinLength) =>
        FromBytes(RandomNumberGenerator.GetBytes(length), source);

    /// <summary>Writes the secret to <paramref name="destination"/> (for the key file writer).</summary>
    internal byte[] ExportSecret() => (byte[])_secret.Clone();

    /// <inheritdoc/>
    public override string ToString() => $"key {FingerprintText} ({Source})";
}
