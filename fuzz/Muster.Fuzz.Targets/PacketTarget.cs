using System.Buffers.Binary;
using Muster.Core;
using Muster.Membership;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Fuzz.Targets;

/// <summary>
/// The packet fuzz target: untrusted UDP bytes through the raw wire decoders and through
/// <see cref="MembershipEngine.OnPacket"/> (and the group layer above it), as the daemon runs them.
/// </summary>
/// <remarks>
/// <para>Any exception that escapes is a finding. The first input byte picks a mode (<see cref="PacketMode"/>).
/// Random bytes almost never carry the right magic, version, cluster hash and sender, so every mode but
/// <see cref="PacketMode.RawDatagram"/> puts a valid header in front of the fuzzed bodies; those read the rest of the
/// input as records: u16 body length, one control byte, the body.</para>
/// <para>Control byte: bits 0-3 the packet type (value % 13 + 1); bits 4-5 the sender (0 and 1: the first or second
/// other node; 2: the first claims to be the second; 3: a node outside the configuration); bit 6: advance the clock
/// 50 ms and tick after the packet; bit 7: no header, the body is the whole datagram.</para>
/// <para>Modes 5 to 7 put the envelope of encrypted traffic in front (<see cref="SealedTarget"/>).</para>
/// </remarks>
public static class PacketTarget
{
    private const int MaxRecords = 64;

    /// <summary>How many modes there are; the first byte modulo this picks one.</summary>
    public const int ModeCount = 10;

    /// <summary>Makes the cluster recording the in-view modes replay (otherwise made by the first input that needs it).</summary>
    public static void Prepare() => _ = ClusterScript.Instance;

    /// <summary>Runs one input. Throws when a check fails or a decoder or the engine throws.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var rest = input[1..];
        WireDecoders.DecodeEverything(rest);
        // Modulo the number of modes: inputs of modes 0 to 4 (the committed corpus) kept their mode when modes were added.
        switch ((PacketMode)(input[0] % ModeCount))
        {
            case PacketMode.RawDatagram:
                RunRawDatagram(rest);
                break;
            case PacketMode.FreshNode:
                RunRecords(FreshNode(), rest);
                break;
            case PacketMode.Coordinator:
                RunRecords(ClusterScript.Instance.Replay(new NodeId(1)), rest);
                break;
            case PacketMode.Member:
                RunRecords(ClusterScript.Instance.Replay(new NodeId(3)), rest);
                break;
            case PacketMode.GroupPayload:
                GroupTarget.Run(rest);
                break;
            case PacketMode.SealedRaw:
                _ = SealedTarget.RunRawEnvelope(rest);
                break;
            case PacketMode.SealedRecords:
                RunSealedRecords(rest);
                break;
            case PacketMode.SealedMutation:
                _ = SealedTarget.RunMutation(rest);
                break;
            case PacketMode.QuorumPayload:
                GroupTarget.Run(rest, ServiceId.Quorum);
                break;
            case PacketMode.FencingPayload:
                GroupTarget.Run(rest, ServiceId.Fencing);
                break;
        }
    }

    /// <summary>The valid header a record's body gets in front of it.</summary>
    public static PacketHeader HeaderFor(PacketType type, NodeId sender) =>
        new(WireProtocol.MaxVersion, type, WireProtocol.MinVersion, WireProtocol.MaxVersion,
            WireProtocol.ClusterHash(ClusterScript.ClusterName), sender, 0, ClusterScript.Incarnation);

    /// <summary>Encodes one record (for the seed generator): u16 length, control byte, body.</summary>
    public static byte[] Record(PacketType type, int senderChoice, bool tickAfter, ReadOnlySpan<byte> body)
    {
        byte control = (byte)((((int)type - 1) & 0x0F) | ((senderChoice & 3) << 4) | (tickAfter ? 0x40 : 0));
        var record = new byte[3 + body.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(record, (ushort)body.Length);
        record[2] = control;
        body.CopyTo(record.AsSpan(3));
        return record;
    }

    /// <summary>Encodes one record of mode 6 (for the seed generator): u16 length, control byte, envelope byte, body.</summary>
    public static byte[] SealedRecord(PacketType type, int senderChoice, bool tickAfter, byte envelope, ReadOnlySpan<byte> body)
    {
        byte[] plain = Record(type, senderChoice, tickAfter, body);
        return [.. plain.AsSpan(0, 3), envelope, .. body];
    }

    // Mode 6: the preamble, one byte picking the receiver (0 a fresh node 1, 1 the coordinator, 2 and 3 the member),
    // then records, each sealed by its sender and opened by the receiver before the engine sees it.
    private static void RunSealedRecords(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            return;
        }

        var node = (rest[0] & 3) switch
        {
            0 => FreshNode(),
            1 => ClusterScript.Instance.Replay(new NodeId(1)),
            _ => ClusterScript.Instance.Replay(new NodeId(3)),
        };
        var preamble = rest[..Math.Min(rest.Length, SealedTarget.Link.PreambleSize)];
        using var link = new SealedTarget.Link(node.Engine.Self.Node, preamble);
        RunRecords(node, rest[preamble.Length..], link);
    }

    private static FuzzNode FreshNode()
    {
        var node = new FuzzNode(new MemberId(new NodeId(1), ClusterScript.Incarnation), ClusterScript.Instance.Options);
        node.Apply(new ScriptStep(ScriptStepKind.Start, ClusterScript.Instance.End));
        return node;
    }

    private static void RunRawDatagram(ReadOnlySpan<byte> datagram)
    {
        var node = FreshNode();
        var now = ClusterScript.Instance.End;
        long malformedBefore = node.Engine.Counters.Malformed;
        node.Engine.OnPacket(new NodeId(2), datagram, now, new Outbox());
        var reader = new WireReader(datagram);
        if (!PacketHeader.TryRead(ref reader, out _, out _) && node.Engine.Counters.Malformed != malformedBefore + 1)
        {
            // The guide's rule: untrusted bytes are rejected and counted.
            throw new FuzzCheckException("a datagram with an unreadable header was not counted as malformed");
        }
    }

    internal static void RunRecords(FuzzNode node, ReadOnlySpan<byte> records, SealedTarget.Link? link = null)
    {
        // Sealed records carry one byte more: how the envelope is delivered.
        int recordHeader = link is null ? 3 : 4;
        var self = node.Engine.Self.Node;
        var others = ClusterScript.NodeIds.Where(n => n != self).ToArray();
        var now = ClusterScript.Instance.End;
        byte[] buffer = new byte[WireProtocol.MaxDatagramSize];
        for (int i = 0; i < MaxRecords && records.Length >= recordHeader; i++)
        {
            int length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(records), records.Length - recordHeader);
            byte control = records[2];
            byte envelope = records[recordHeader - 1];
            var body = records.Slice(recordHeader, length);
            records = records[(recordHeader + length)..];

            var type = (PacketType)((control & 0x0F) % 13 + 1);
            (NodeId source, NodeId claimed) = ((control >> 4) & 3) switch
            {
                0 => (others[0], others[0]),
                1 => (others[1], others[1]),
                2 => (others[0], others[1]),
                _ => (new NodeId(9), new NodeId(9)),
            };

            ReadOnlySpan<byte> datagram;
            if ((control & 0x80) != 0)
            {
                datagram = body;
            }
            else
            {
                int size = Math.Min(WireProtocol.HeaderSize + body.Length, buffer.Length);
                var writer = new WireWriter(buffer);
                HeaderFor(type, claimed).Write(ref writer);
                body[..(size - WireProtocol.HeaderSize)].CopyTo(buffer.AsSpan(WireProtocol.HeaderSize));
                datagram = buffer.AsSpan(0, size);
            }

            if (link is null)
            {
                node.Apply(new ScriptStep(ScriptStepKind.Packet, now, source, datagram.ToArray()));
            }
            else
            {
                _ = link.Send(node, source, datagram, envelope, now);
            }

            if ((control & 0x40) != 0)
            {
                now += TimeSpan.FromMilliseconds(50);
                node.Apply(new ScriptStep(ScriptStepKind.Tick, now));
            }
        }

        link?.ReleaseHeld(node, now);

        // Let the timers act on whatever state the packets left: a retransmission round, then a failure timeout
        // (which starts a view change).
        now += TimeSpan.FromMilliseconds(25);
        node.Apply(new ScriptStep(ScriptStepKind.Tick, now));
        now += TimeSpan.FromMilliseconds(700);
        node.Apply(new ScriptStep(ScriptStepKind.Tick, now));
        _ = node.Engine.DescribeState();
        _ = node.Groups.Snapshot();
    }
}

/// <summary>How <see cref="PacketTarget"/> uses an input; the first byte modulo <see cref="PacketTarget.ModeCount"/>.</summary>
public enum PacketMode : byte
{
    /// <summary>The rest is one datagram from node 2 to a node that has just started.</summary>
    RawDatagram = 0,
    /// <summary>The rest is records, fed to a node that has just started.</summary>
    FreshNode = 1,
    /// <summary>The rest is records, fed to node 1 (coordinator and sequencer) of an installed three-node view.</summary>
    Coordinator = 2,
    /// <summary>The rest is records, fed to node 3 (a plain member) of an installed three-node view.</summary>
    Member = 3,
    /// <summary>The rest is delivered to node 3's group layer as an ordered message from node 2.</summary>
    GroupPayload = 4,
    /// <summary>The rest is one datagram through <see cref="Muster.Security.PacketProtector.Open"/> of node 1, as from node 2 and node 3.</summary>
    SealedRaw = 5,
    /// <summary>Preamble and records as in modes 1-3, each packet sealed by its sender and opened before the engine sees it.</summary>
    SealedRecords = 6,
    /// <summary>A plain packet, sealed by node 2, and mutations of the datagram: it must open only if unchanged.</summary>
    SealedMutation = 7,
    /// <summary>As <see cref="GroupPayload"/>, for node 3's quorum service (nodeinfo and reconfigure messages).</summary>
    QuorumPayload = 8,
    /// <summary>As <see cref="GroupPayload"/>, for node 3's fencing service (syncs, results, requests, acknowledgements).</summary>
    FencingPayload = 9,
}
