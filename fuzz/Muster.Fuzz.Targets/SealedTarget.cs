using System.Buffers.Binary;
using System.Reflection;
using System.Security.Cryptography;
using Muster.Core;
using Muster.Membership;
using Muster.Security;

namespace Muster.Fuzz.Targets;

/// <summary>
/// The envelope part of the packet target (modes 5 to 7): datagrams through <see cref="PacketProtector.Open"/>, as
/// the daemon receives them with encryption on (ClusterDaemon.Security.cs: Open, then OnPacket with the plain packet).
/// </summary>
/// <remarks>
/// Every protector holds fixed test keys and a fixed nonce prefix, so that a sealed datagram is the same bytes in every
/// run: seeds can hold sealed datagrams, and AFL++ can mutate them.
/// </remarks>
public static class SealedTarget
{
    /// <summary>The incarnation node 2 seals with in the raw and mutation modes.</summary>
    public const ulong PeerIncarnation = 7;

    /// <summary>Authentic datagrams from node 2 the raw mode's receiver has opened before the input (counters 1 to 3).</summary>
    public const int PrimedCounters = 3;

    /// <summary>The nonce prefix of every protector here.</summary>
    public const uint NoncePrefix = 0x5EED0001;

    private const int MaxMutations = 64;

    /// <summary>The cluster key every node of the fuzz cluster holds.</summary>
    public static ClusterKey Key { get; } = ClusterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "fuzz-key");

    /// <summary>A second key, for rotations (staged at the receiver) and for datagrams sealed with a key it does not hold.</summary>
    public static ClusterKey NextKey { get; } = ClusterKey.FromBytes(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray(), "fuzz-next-key");

    // A real peer's counter only grows by one per packet. Starting it anywhere lets inputs and seeds reach the replay
    // window's far edges (a counter far behind, the last counter before 2^64) that a peer reaches only after years.
    // PacketProtector has no public way to do that; the test SealedTarget_CounterHook_Works fails if the field moves.
    private static readonly FieldInfo CounterField =
        typeof(PacketProtector).GetField("_counter", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("PacketProtector has no field _counter any more: update SealedTarget");

    /// <summary>A protector of <paramref name="node"/> whose next sealed datagram carries counter <paramref name="nextCounter"/>.</summary>
    public static PacketProtector Protector(NodeId node, ulong incarnation, KeyRing keys, ulong nextCounter = 1)
    {
        var protector = new PacketProtector(ClusterScript.ClusterName, node, incarnation, NoncePrefix, keys);
        if (nextCounter != 1)
        {
            CounterField.SetValue(protector, nextCounter - 1);
        }

        return protector;
    }

    /// <summary>Seals <paramref name="packet"/> as node <paramref name="node"/> would, with the given counter.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> packet, NodeId node, ulong incarnation, ulong counter, ClusterKey? key = null)
    {
        using var protector = Protector(node, incarnation, new KeyRing(key ?? Key), counter);
        byte[] datagram = new byte[packet.Length + SecureEnvelope.Overhead];
        protector.Seal(packet, datagram);
        return datagram;
    }

    /// <summary>The plain packets the raw mode's receiver opened before the input: heartbeats' worth of bytes.</summary>
    public static byte[] PrimingPacket(int counter) => [.. "priming packet "u8, (byte)counter];

    /// <summary>
    /// Mode 5: the bytes are one datagram, opened by node 1 as if it came from node 2 (whose incarnation
    /// <see cref="PeerIncarnation"/> it has heard, counters 1 to <see cref="PrimedCounters"/>) and as if it came from node 3
    /// (never heard). Returns what the open from node 2 gave.
    /// </summary>
    public static OpenResult RunRawEnvelope(ReadOnlySpan<byte> datagram)
    {
        using var receiver = Protector(new NodeId(1), ClusterScript.Incarnation, new KeyRing(Key));
        byte[] packet = new byte[Math.Max(datagram.Length, 64)];
        for (int c = 1; c <= PrimedCounters; c++)
        {
            byte[] plain = PrimingPacket(c);
            byte[] primed = Seal(plain, new NodeId(2), PeerIncarnation, (ulong)c);
            var primedResult = receiver.Open(new NodeId(2), primed, packet, out int primedLength, out _);
            if (primedResult != OpenResult.Ok || !packet.AsSpan(0, primedLength).SequenceEqual(plain))
            {
                throw new FuzzCheckException($"an authentic priming datagram did not open: {primedResult}");
            }
        }

        var result = OpenChecked(receiver, new NodeId(2), datagram, packet);
        if (result == OpenResult.Ok)
        {
            // Practically unreachable without the key; if it happens, the plain packet goes on as in the daemon.
            Deliver(ClusterScript.Instance.Replay(new NodeId(1)), new NodeId(2), packet, datagram.Length - SecureEnvelope.Overhead);
        }

        _ = OpenChecked(receiver, new NodeId(3), datagram, packet);
        return result;
    }

    /// <summary>
    /// Mode 7: u16 plain length, the plain packet, then mutations of 3 bytes (u16 position, u8 value) applied to the
    /// datagram node 2 seals of it. Position below 0x8000: XOR the byte at position % length with the value; otherwise
    /// an odd value appends it and an even one truncates to (position &amp; 0x7FFF) % length. The result must open (and
    /// give back the plain packet) if and only if the datagram is unchanged.
    /// </summary>
    public static OpenResult RunMutation(ReadOnlySpan<byte> input)
    {
        int plainLength = input.Length >= 2 ? Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(input), input.Length - 2) : 0;
        var plain = input.Length >= 2 ? input.Slice(2, plainLength) : [];
        var mutations = input.Length >= 2 ? input[(2 + plainLength)..] : [];
        byte[] original = Seal(plain, new NodeId(2), PeerIncarnation, 1);
        var datagram = new List<byte>(original);
        for (int i = 0; i < MaxMutations && mutations.Length >= 3; i++, mutations = mutations[3..])
        {
            int position = BinaryPrimitives.ReadUInt16LittleEndian(mutations);
            byte value = mutations[2];
            if (position < 0x8000)
            {
                if (datagram.Count > 0)
                {
                    datagram[position % datagram.Count] ^= value;
                }
            }
            else if ((value & 1) != 0)
            {
                datagram.Add(value);
            }
            else if (datagram.Count > 0)
            {
                datagram.RemoveRange((position & 0x7FFF) % datagram.Count, datagram.Count - ((position & 0x7FFF) % datagram.Count));
            }
        }

        byte[] mutated = [.. datagram];
        bool unchanged = mutated.AsSpan().SequenceEqual(original);
        using var receiver = Protector(new NodeId(1), ClusterScript.Incarnation, new KeyRing(Key));
        byte[] packet = new byte[Math.Max(mutated.Length, 64)];
        var result = OpenChecked(receiver, new NodeId(2), mutated, packet);
        if (unchanged && result != OpenResult.Ok)
        {
            throw new FuzzCheckException($"an unchanged sealed datagram did not open: {result}");
        }

        if (!unchanged && result == OpenResult.Ok)
        {
            throw new FuzzCheckException("a changed sealed datagram opened as authentic");
        }

        if (result == OpenResult.Ok)
        {
            if (!packet.AsSpan(0, plain.Length).SequenceEqual(plain))
            {
                throw new FuzzCheckException("an opened datagram gave back other bytes than were sealed");
            }

            // The same datagram again is a replay, whatever it holds.
            var again = OpenChecked(receiver, new NodeId(2), mutated, packet);
            if (again != OpenResult.Replayed)
            {
                throw new FuzzCheckException($"a datagram opened twice gave {again} the second time");
            }

            Deliver(FreshNode(), new NodeId(2), plain.ToArray(), plain.Length);
        }

        return result;
    }

    // Feeds a plain packet that opened to the engine, as the daemon does.
    private static void Deliver(FuzzNode node, NodeId source, byte[] packet, int length) =>
        node.Apply(new ScriptStep(ScriptStepKind.Packet, ClusterScript.Instance.End, source, packet.AsSpan(0, length).ToArray()));

    private static FuzzNode FreshNode()
    {
        var node = new FuzzNode(new MemberId(new NodeId(1), ClusterScript.Incarnation), ClusterScript.Instance.Options);
        node.Apply(new ScriptStep(ScriptStepKind.Start, ClusterScript.Instance.End));
        return node;
    }

    /// <summary>Open, with the checks every call must pass: a defined result, no length unless Ok, length within bounds.</summary>
    internal static OpenResult OpenChecked(PacketProtector receiver, NodeId source, ReadOnlySpan<byte> datagram, Span<byte> packet)
    {
        var result = receiver.Open(source, datagram, packet, out int length, out _);
        if (!Enum.IsDefined(result))
        {
            throw new FuzzCheckException($"Open returned {(int)result}, which is no OpenResult");
        }

        if (result != OpenResult.Ok && length != 0)
        {
            throw new FuzzCheckException($"Open returned {result} with a length of {length}");
        }

        if (result == OpenResult.Ok && length != datagram.Length - SecureEnvelope.Overhead)
        {
            throw new FuzzCheckException($"Open returned Ok with a length of {length} for a datagram of {datagram.Length} bytes");
        }

        return result;
    }

    /// <summary>
    /// Mode 6's sending side: the other nodes' protectors, sealing each fuzzed plain packet before the receiver opens it.
    /// </summary>
    /// <remarks>
    /// Preamble (9 bytes, missing bytes read as 0): a flag byte (bit 2: the receiver has also staged
    /// <see cref="NextKey"/>; bit 3: the senders seal with <see cref="NextKey"/>), then u64 the counter the senders
    /// start from (0 and 1: the first counter). Each record carries an envelope byte besides the packet target's
    /// control byte: bits 0-1 delivery (0 once; 1 twice, the second must be a replay; 2 held back until after the
    /// next record; 3 dropped), bit 2 the sender restarts (a new incarnation) before sealing.
    /// </remarks>
    internal sealed class Link : IDisposable
    {
        /// <summary>Bytes of the preamble.</summary>
        public const int PreambleSize = 9;

        private readonly Dictionary<NodeId, (PacketProtector Protector, ulong Incarnation)> _senders = [];
        private readonly ClusterKey _senderKey;
        private readonly ulong _firstCounter;
        private readonly PacketProtector _receiver;
        private readonly byte[] _open = new byte[ushort.MaxValue + SecureEnvelope.Overhead];
        private (NodeId Source, byte[] Datagram, byte[] Plain)? _held;

        public Link(NodeId self, ReadOnlySpan<byte> preamble)
        {
            Span<byte> p = stackalloc byte[PreambleSize];
            preamble[..Math.Min(preamble.Length, PreambleSize)].CopyTo(p);
            var ring = new KeyRing(Key);
            if ((p[0] & 4) != 0)
            {
                _ = ring.Load(NextKey);
            }

            _senderKey = (p[0] & 8) != 0 ? NextKey : Key;
            _firstCounter = Math.Max(BinaryPrimitives.ReadUInt64LittleEndian(p[1..]), 1);
            _receiver = Protector(self, ClusterScript.Incarnation, ring);
        }

        public OpenResult Send(FuzzNode node, NodeId source, ReadOnlySpan<byte> plain, byte envelope, Instant now)
        {
            if ((envelope & 4) != 0 && _senders.Remove(source, out var old))
            {
                old.Protector.Dispose();
                _senders[source] = (Protector(source, old.Incarnation + 1, new KeyRing(_senderKey)), old.Incarnation + 1);
            }

            byte[] datagram = SealAs(source, plain);
            bool held = _receiver.Keys.Find(_senderKey.Fingerprint) is not null;
            OpenResult result = OpenResult.Ok;
            switch (envelope & 3)
            {
                case 0:
                case 1:
                    // The newest datagram of its sender, never seen: it must open if the receiver holds the key.
                    result = Receive(node, source, datagram, plain, now);
                    var expected = held ? OpenResult.Ok : OpenResult.UnknownKey;
                    if (result != expected)
                    {
                        throw new FuzzCheckException($"a fresh datagram sealed by node {source} gave {result}, not {expected}");
                    }

                    if ((envelope & 3) == 1)
                    {
                        var again = Receive(node, source, datagram, plain, now);
                        if (again != (held ? OpenResult.Replayed : OpenResult.UnknownKey))
                        {
                            throw new FuzzCheckException($"a datagram of node {source} delivered twice gave {again} the second time");
                        }
                    }

                    break;
                case 2:
                    // Delivered out of order: any earlier held datagram goes now, this one after the next record.
                    ReleaseHeld(node, now);
                    _held = (source, datagram, plain.ToArray());
                    return result;
                default:
                    break;
            }

            ReleaseHeld(node, now);
            return result;
        }

        public void ReleaseHeld(FuzzNode node, Instant now)
        {
            if (_held is { } held)
            {
                _held = null;
                _ = Receive(node, held.Source, held.Datagram, held.Plain, now);
            }
        }

        public void Dispose()
        {
            _receiver.Dispose();
            foreach (var (protector, _) in _senders.Values)
            {
                protector.Dispose();
            }
        }

        private byte[] SealAs(NodeId source, ReadOnlySpan<byte> plain)
        {
            if (!_senders.TryGetValue(source, out var sender))
            {
                sender = (Protector(source, ClusterScript.Incarnation, new KeyRing(_senderKey), _firstCounter), ClusterScript.Incarnation);
                _senders[source] = sender;
            }

            byte[] datagram = new byte[plain.Length + SecureEnvelope.Overhead];
            try
            {
                sender.Protector.Seal(plain, datagram);
            }
            catch (CryptographicException)
            {
                // The sender's counter is exhausted (the input started it near 2^64): it refuses to seal, and a real
                // node would be restarted, with a new incarnation.
                sender.Protector.Dispose();
                sender = (Protector(source, sender.Incarnation + 1, new KeyRing(_senderKey)), sender.Incarnation + 1);
                _senders[source] = sender;
                sender.Protector.Seal(plain, datagram);
            }

            return datagram;
        }

        // Open, then OnPacket with the plain packet if authentic: ClusterDaemon.ReceivePacket.
        private OpenResult Receive(FuzzNode node, NodeId source, byte[] datagram, ReadOnlySpan<byte> plain, Instant now)
        {
            var result = OpenChecked(_receiver, source, datagram, _open);
            if (result == OpenResult.Ok)
            {
                if (!_open.AsSpan(0, plain.Length).SequenceEqual(plain))
                {
                    throw new FuzzCheckException("an opened datagram gave back other bytes than were sealed");
                }

                node.Apply(new ScriptStep(ScriptStepKind.Packet, now, source, plain.ToArray()));
            }

            return result;
        }
    }
}
