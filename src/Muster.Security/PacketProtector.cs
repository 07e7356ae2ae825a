using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Muster.Core;

namespace Muster.Security;

/// <summary>
/// Seals this node's packets and opens its peers' with AES-256-GCM, keys derived per sender with HKDF-SHA256.
/// </summary>
/// <remarks>
/// <para>
/// Each sender has its own key: HKDF-SHA256 of the cluster key, salted with the cluster name, for that sender's node
/// id and incarnation. The incarnation grows at every start, so a sender's key is new at every start and its nonces
/// can be a plain counter from 1. A random 32-bit prefix chosen at every start goes in front of the counter as well,
/// so that even a node whose state file was lost (and whose incarnation therefore repeats) does not reuse a nonce
/// under high probability.
/// </para>
/// <para>
/// A receiver keeps, per sender, the newest incarnation heard and a <see cref="ReplayWindow"/> of its counters. It
/// checks freshness first, then the tag, and only an authentic packet moves the window or replaces the incarnation.
/// </para>
/// Not thread-safe: the daemon's loop thread owns it.
/// </remarks>
public sealed class PacketProtector : IDisposable
{
    private readonly byte[] _salt;
    private readonly NodeId _self;
    private readonly ulong _incarnation;
    private readonly uint _noncePrefix;
    private readonly Dictionary<uint, SenderState> _senders = [];
    private AesGcm _sendCipher;
    private uint _sendFingerprint;
    private int _generation;
    private ulong _counter;

    /// <summary>Creates the protector of node <paramref name="self"/> in its incarnation <paramref name="incarnation"/>.</summary>
    /// <param name="clusterName">The cluster's name: keys of two clusters sharing a key file still differ.</param>
    /// <param name="self">This node.</param>
    /// <param name="incarnation">This start's incarnation.</param>
    /// <param name="noncePrefix">A random number chosen at this start.</param>
    /// <param name="keys">The keys held; <see cref="KeyRing.Current"/> seals.</param>
    public PacketProtector(string clusterName, NodeId self, ulong incarnation, uint noncePrefix, KeyRing keys)
    {
        _salt = Encoding.UTF8.GetBytes("muster/v1/" + clusterName);
        _self = self;
        _incarnation = incarnation;
        _noncePrefix = noncePrefix;
        Keys = keys;
        _sendCipher = Derive(keys.Current, self.Value, incarnation);
        _sendFingerprint = keys.Current.Fingerprint;
        _generation = keys.Generation;
    }

    /// <summary>The keys held; change them through the ring, the protector follows.</summary>
    public KeyRing Keys { get; }

    /// <summary>What was sealed, opened and dropped.</summary>
    public SecurityCounters Counters { get; } = new();

    /// <summary>Seals <paramref name="packet"/> into <paramref name="destination"/>.</summary>
    /// <returns>Bytes written: the packet's length plus <see cref="SecureEnvelope.Overhead"/>.</returns>
    public int Seal(ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        int total = packet.Length + SecureEnvelope.Overhead;
        if (destination.Length < total)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes; {total} are needed", nameof(destination));
        }

        SyncKeys();
        if (_counter == ulong.MaxValue)
        {
            // 2^64 packets cannot be sent in one start; refusing is still better than repeating a nonce.
            throw new CryptographicException("the packet counter of this incarnation is exhausted; restart the daemon");
        }

        var header = new SecureEnvelope.Header(SecureEnvelope.SuiteAes256Gcm, _sendFingerprint, _self.Value, _incarnation,
            _noncePrefix, ++_counter);
        Span<byte> nonce = stackalloc byte[12];
        header.WriteNonce(nonce);
        header.Write(destination);
        var aad = destination[..SecureEnvelope.HeaderSize];
        var cipher = destination.Slice(SecureEnvelope.HeaderSize, packet.Length);
        var tag = destination.Slice(SecureEnvelope.HeaderSize + packet.Length, SecureEnvelope.TagSize);
        _sendCipher.Encrypt(nonce, packet, cipher, tag, aad);
        Counters.Sealed++;
        return total;
    }

    /// <summary>Checks and decrypts a datagram that came from the address of node <paramref name="source"/>.</summary>
    /// <param name="source">The node the datagram's address belongs to.</param>
    /// <param name="datagram">The datagram as received.</param>
    /// <param name="packet">Where the plain packet goes; at least the datagram's length.</param>
    /// <param name="length">Bytes of plain packet written, when the result is <see cref="OpenResult.Ok"/>.</param>
    /// <param name="fingerprint">The fingerprint the datagram names (0 if it is too short to name one).</param>
    /// <returns><see cref="OpenResult.Ok"/>, or why the datagram was dropped (also counted).</returns>
    public OpenResult Open(NodeId source, ReadOnlySpan<byte> datagram, Span<byte> packet, out int length, out uint fingerprint)
    {
        var result = TryOpen(source, datagram, packet, out length, out fingerprint);
        if (result == OpenResult.Ok)
        {
            Counters.Opened++;
        }
        else
        {
            Counters.CountDrop(result);
            length = 0;
        }

        return result;
    }

    /// <summary>The newest incarnation an authentic packet of <paramref name="node"/> carried, or 0.</summary>
    public ulong IncarnationOf(NodeId node) => _senders.TryGetValue(node.Value, out var s) ? s.Incarnation : 0;

    /// <inheritdoc/>
    public void Dispose()
    {
        _sendCipher.Dispose();
        foreach (var sender in _senders.Values)
        {
            sender.Dispose();
        }

        _senders.Clear();
    }

    private OpenResult TryOpen(NodeId source, ReadOnlySpan<byte> datagram, Span<byte> packet, out int length, out uint fingerprint)
    {
        length = 0;
        fingerprint = 0;
        if (!SecureEnvelope.LooksSealed(datagram))
        {
            return datagram.Length < 2 ? OpenResult.Truncated : OpenResult.NotSealed;
        }

        if (datagram.Length < SecureEnvelope.Overhead)
        {
            return OpenResult.Truncated;
        }

        var header = SecureEnvelope.Header.Read(datagram);
        fingerprint = header.Fingerprint;
        if (datagram[2] != SecureEnvelope.Version || header.Suite != SecureEnvelope.SuiteAes256Gcm)
        {
            return OpenResult.UnknownVersion;
        }

        if (header.Sender != source.Value)
        {
            return OpenResult.SenderMismatch;
        }

        SyncKeys();
        var key = Keys.Find(header.Fingerprint);
        if (key is null)
        {
            return OpenResult.UnknownKey;
        }

        if (!_senders.TryGetValue(header.Sender, out var sender))
        {
            sender = new SenderState();
            _senders[header.Sender] = sender;
        }

        bool newIncarnation = header.Incarnation > sender.Incarnation;
        if (header.Incarnation < sender.Incarnation)
        {
            return OpenResult.StaleIncarnation;
        }

        if (!newIncarnation && !sender.Window.IsFresh(header.Counter))
        {
            return OpenResult.Replayed;
        }

        if (newIncarnation && header.Counter == 0)
        {
            return OpenResult.Replayed;
        }

        int plainLength = datagram.Length - SecureEnvelope.Overhead;
        if (packet.Length < plainLength)
        {
            throw new ArgumentException($"packet holds {packet.Length} bytes; {plainLength} are needed", nameof(packet));
        }

        // The cipher for this (key, sender, incarnation): cached once it has opened an authentic packet, derived on
        // the side otherwise, so that forged packets cannot fill the cache.
        AesGcm? cached = sender.CipherFor(key.Fingerprint, header.Incarnation);
        AesGcm cipher = cached ?? Derive(key, header.Sender, header.Incarnation);
        Span<byte> nonce = stackalloc byte[12];
        header.WriteNonce(nonce);
        try
        {
            cipher.Decrypt(nonce, datagram.Slice(SecureEnvelope.HeaderSize, plainLength),
                datagram.Slice(SecureEnvelope.HeaderSize + plainLength, SecureEnvelope.TagSize), packet[..plainLength],
                datagram[..SecureEnvelope.HeaderSize]);
        }
        catch (AuthenticationTagMismatchException)
        {
            if (cached is null)
            {
                cipher.Dispose();
            }

            packet[..plainLength].Clear();
            return OpenResult.AuthenticationFailed;
        }

        if (newIncarnation)
        {
            sender.StartIncarnation(header.Incarnation);
        }

        if (cached is null)
        {
            sender.Cache(key.Fingerprint, header.Incarnation, cipher);
        }

        sender.Window.Accept(header.Counter);
        length = plainLength;
        return OpenResult.Ok;
    }

    // Follows rotations: a new current key seals from now on; ciphers of keys no longer held are dropped.
    private void SyncKeys()
    {
        if (_generation == Keys.Generation)
        {
            return;
        }

        _generation = Keys.Generation;
        if (_sendFingerprint != Keys.Current.Fingerprint)
        {
            _sendCipher.Dispose();
            _sendCipher = Derive(Keys.Current, _self.Value, _incarnation);
            _sendFingerprint = Keys.Current.Fingerprint;
        }

        foreach (var sender in _senders.Values)
        {
            sender.DropCiphersNotIn(Keys);
        }
    }

    private AesGcm Derive(ClusterKey key, uint node, ulong incarnation)
    {
        Span<byte> info = stackalloc byte[32];
        "muster sender key".CopyTo(info, out int written);
        BinaryPrimitives.WriteUInt32BigEndian(info[written..], node);
        BinaryPrimitives.WriteUInt64BigEndian(info[(written + 4)..], incarnation);
        Span<byte> derived = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Secret, derived, _salt, info[..(written + 12)]);
        var cipher = new AesGcm(derived, SecureEnvelope.TagSize);
        CryptographicOperations.ZeroMemory(derived);
        return cipher;
    }

    // Per sender: its newest incarnation, the replay window of that incarnation, and the ciphers that opened it.
    private sealed class SenderState : IDisposable
    {
        private readonly List<(uint Fingerprint, AesGcm Cipher)> _ciphers = [];

        public ulong Incarnation { get; private set; }

        public ReplayWindow Window { get; private set; } = new();

        public AesGcm? CipherFor(uint fingerprint, ulong incarnation)
        {
            if (incarnation != Incarnation)
            {
                return null;
            }

            foreach (var (fp, cipher) in _ciphers)
            {
                if (fp == fingerprint)
                {
                    return cipher;
                }
            }

            return null;
        }

        public void StartIncarnation(ulong incarnation)
        {
            Incarnation = incarnation;
            Window = new ReplayWindow();
            Dispose();
        }

        public void Cache(uint fingerprint, ulong incarnation, AesGcm cipher)
        {
            if (incarnation != Incarnation)
            {
                cipher.Dispose();
                return;
            }

            _ciphers.Add((fingerprint, cipher));
        }

        public void DropCiphersNotIn(KeyRing keys)
        {
            for (int i = _ciphers.Count - 1; i >= 0; i--)
            {
                if (keys.Find(_ciphers[i].Fingerprint) is null)
                {
                    _ciphers[i].Cipher.Dispose();
                    _ciphers.RemoveAt(i);
                }
            }
        }

        public void Dispose()
        {
            foreach (var (_, cipher) in _ciphers)
            {
                cipher.Dispose();
            }

            _ciphers.Clear();
        }
    }
}

file static class SpanText
{
    // ASCII label into a span; the labels are constants of this file.
    public static void CopyTo(this string text, Span<byte> destination, out int written) =>
        written = Encoding.ASCII.GetBytes(text, destination);
}
