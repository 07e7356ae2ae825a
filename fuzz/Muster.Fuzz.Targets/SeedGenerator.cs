using System.Buffers.Binary;
using Muster.Core;
using Muster.Ipc.Contracts;
using Muster.Security;
using Muster.Wire;
using Muster.Wire.Messages;
using GroupOp = Muster.Node.Groups.GroupOp;
using GroupWire = Muster.Node.Groups.GroupWire;
using NodeInfo = Muster.Node.Quorum.NodeInfo;
using NodeInfoFlags = Muster.Node.Quorum.NodeInfoFlags;
using QuorumParameter = Muster.Node.Quorum.QuorumParameter;
using QuorumWire = Muster.Node.Quorum.QuorumWire;
using FencingWire = Muster.Node.Fencing.FencingWire;
using FenceSyncMessage = Muster.Node.Fencing.FenceSyncMessage;
using FenceResultMessage = Muster.Node.Fencing.FenceResultMessage;
using FenceStep = Muster.Node.Fencing.FenceStep;
using FenceAction = Muster.Node.Fencing.FenceAction;
using FenceOutcome = Muster.Node.Fencing.FenceOutcome;
using Reconfigure = Muster.Node.Quorum.Reconfigure;
using IpcGroupMember = Muster.Ipc.Contracts.GroupMember;

namespace Muster.Fuzz.Targets;

/// <summary>One seed input: which target it is for, a file name, the bytes.</summary>
public readonly record struct Seed(string Target, string Name, byte[] Data);

/// <summary>
/// Makes the seed corpus (fuzz/corpus): a valid encoding of every packet type and every IPC message type, the same
/// for each mode of the packet target, real packets of the recorded cluster run, and some truncated copies.
/// Deterministic: running it twice gives the same files.
/// </summary>
public static class SeedGenerator
{
    // The node-list digest of the fuzz cluster's nodes, which their heartbeats must carry to be accepted.
    private static readonly ulong Digest = NodeListDigest.Compute(ClusterScript.NodeIds.Select(n => new NodeListEntry(n, 0)));

    /// <summary>Every seed, packet target first.</summary>
    public static IEnumerable<Seed> All() => PacketSeeds().Concat(IpcSeeds());

    /// <summary>Writes every seed under <paramref name="corpusRoot"/>/&lt;target&gt;/ and returns how many.</summary>
    public static int WriteTo(string corpusRoot)
    {
        int count = 0;
        foreach (var seed in All())
        {
            string directory = Path.Combine(corpusRoot, seed.Target);
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, seed.Name), seed.Data);
            count++;
        }

        return count;
    }

    /// <summary>Seeds of the packet target.</summary>
    public static IEnumerable<Seed> PacketSeeds()
    {
        var script = ClusterScript.Instance;
        var node1 = script.Replay(new NodeId(1));
        var view = node1.Engine.CurrentView!.Id;
        var bodies = Bodies(view).ToList();

        foreach (var (type, name, body) in bodies)
        {
            // Mode 0: a whole datagram from node 2, header and all.
            byte[] datagram = Datagram(PacketTarget.HeaderFor(type, new NodeId(2)), body);
            yield return Packet(PacketMode.RawDatagram, $"raw-{name}", datagram);
            if (datagram.Length > WireProtocol.HeaderSize + 2)
            {
                yield return Packet(PacketMode.RawDatagram, $"raw-{name}-truncated", datagram[..^2]);
            }

            // Modes 1-3: the body as one record.
            yield return Packet(PacketMode.FreshNode, $"fresh-{name}", PacketTarget.Record(type, 0, false, body));
            yield return Packet(PacketMode.Coordinator, $"coord-{name}", PacketTarget.Record(type, 0, true, body));
            yield return Packet(PacketMode.Member, $"member-{name}", PacketTarget.Record(type, 1, true, body));

            // Mode 6: the same record, sealed by its sender and opened by the member (preamble byte 2) first.
            yield return Packet(PacketMode.SealedRecords, $"sealed-member-{name}",
                [.. SealedPreamble(2), .. PacketTarget.SealedRecord(type, 1, true, 0, body)]);

            // Mode 7: the whole datagram sealed by node 2, unchanged, so that AFL++ mutates the mutation list from here.
            yield return Packet(PacketMode.SealedMutation, $"mutate-{name}", PlainForMutation(datagram));
        }

        yield return Packet(PacketMode.RawDatagram, "raw-header-only", Datagram(PacketTarget.HeaderFor(PacketType.Heartbeat, new NodeId(2)), []));
        yield return Packet(PacketMode.RawDatagram, "raw-bad-magic", [0x00, 0x00, .. new byte[30]]);

        // Real packets from the recorded run: the last few of each type that node 1 and node 3 received, as records
        // (the header is patched again by the target).
        foreach (var target in new[] { new NodeId(1), new NodeId(3) })
        {
            var mode = target.Value == 1 ? PacketMode.Coordinator : PacketMode.Member;
            var others = ClusterScript.NodeIds.Where(n => n != target).ToList();
            var received = script.Delivered.Where(p => p.To == target).ToList();
            foreach (var group in received.GroupBy(p => (PacketType)p.Data[3]))
            {
                var (from, _, data) = group.Last();
                yield return Packet(mode, $"{(mode == PacketMode.Coordinator ? "coord" : "member")}-recorded-{group.Key}",
                    PacketTarget.Record(group.Key, others.IndexOf(from), true, data.AsSpan(WireProtocol.HeaderSize)));
            }
        }

        // The next ordered message node 3 expects: a multicast from node 2 to group "fuzz", in sequence.
        yield return Packet(PacketMode.Member, "member-next-ordered-multicast",
            PacketTarget.Record(PacketType.Ordered, 0, true, NextOrdered(script, view)));

        foreach (var seed in SealedSeeds(script, view))
        {
            yield return seed;
        }

        // Group payloads, straight to node 3's group layer.
        byte[] join = GroupWire.Encode(GroupOp.Join, "other", 7, []);
        byte[] send = GroupWire.Encode(GroupOp.Multicast, ClusterScript.GroupName, 102, "payload"u8);
        byte[] leave = GroupWire.Encode(GroupOp.Leave, ClusterScript.GroupName, 102, []);
        byte[] down = GroupWire.Encode(GroupOp.ProcessDown, ClusterScript.GroupName, 101, []);
        byte[] sync1 = GroupWire.EncodeSync([(ClusterScript.GroupName, 101u)]);
        byte[] sync2 = GroupWire.EncodeSync([(ClusterScript.GroupName, 102u), ("other", 7u)]);
        byte[] sync3 = GroupWire.EncodeSync([(ClusterScript.GroupName, 103u)]);
        yield return Packet(PacketMode.GroupPayload, "group-join", [0, .. GroupTarget.Record(2, join)]);
        yield return Packet(PacketMode.GroupPayload, "group-multicast", [0, .. GroupTarget.Record(2, send)]);
        yield return Packet(PacketMode.GroupPayload, "group-leave", [0, .. GroupTarget.Record(2, leave)]);
        yield return Packet(PacketMode.GroupPayload, "group-process-down", [0, .. GroupTarget.Record(1, down)]);
        yield return Packet(PacketMode.GroupPayload, "group-join-send-leave",
            [0, .. GroupTarget.Record(2, join), .. GroupTarget.Record(2, send), .. GroupTarget.Record(2, leave)]);
        yield return Packet(PacketMode.GroupPayload, "group-view-change-syncs",
            [1, .. GroupTarget.Record(2, send), .. GroupTarget.Record(1, sync1), .. GroupTarget.Record(2, sync2),
                .. GroupTarget.Record(3, sync3)]);
        yield return Packet(PacketMode.GroupPayload, "group-sync-truncated", [1, .. GroupTarget.Record(2, sync2.AsSpan(0, sync2.Length - 3))]);

        // Quorum payloads, straight to node 3's quorum service: a view's nodeinfo round and operators' changes.
        byte[] info1 = QuorumWire.EncodeNodeInfo(new NodeInfo(1, 3, NodeInfoFlags.Quorate));
        byte[] info2 = QuorumWire.EncodeNodeInfo(new NodeInfo(2, 5, NodeInfoFlags.Quorate | NodeInfoFlags.WaitingForAll));
        byte[] info3 = QuorumWire.EncodeNodeInfo(new NodeInfo(1, 3, NodeInfoFlags.None));
        byte[] expected = QuorumWire.EncodeReconfigure(new Reconfigure(QuorumParameter.ExpectedVotes, NodeId.None, 4, 0));
        byte[] votes = QuorumWire.EncodeReconfigure(new Reconfigure(QuorumParameter.NodeVotes, new NodeId(2), 3, 1000));
        byte[] unblock = QuorumWire.EncodeReconfigure(new Reconfigure(QuorumParameter.CancelWaitForAll, NodeId.None, 0, 0));
        yield return Packet(PacketMode.QuorumPayload, "quorum-nodeinfo-round",
            [1, .. GroupTarget.Record(1, info1), .. GroupTarget.Record(2, info2), .. GroupTarget.Record(3, info3)]);
        yield return Packet(PacketMode.QuorumPayload, "quorum-reconfigure",
            [0, .. GroupTarget.Record(2, expected), .. GroupTarget.Record(1, votes), .. GroupTarget.Record(3, unblock)]);
        yield return Packet(PacketMode.QuorumPayload, "quorum-nodeinfo-truncated", [1, .. GroupTarget.Record(2, info2.AsSpan(0, 5))]);

        // Fencing payloads, straight to node 3's fencing service.
        byte[] fenceSync = FencingWire.EncodeSync(new FenceSyncMessage(
            [new Muster.Node.Fencing.PendingFence(new NodeId(1), 4, FenceAction.Reboot, 2, NodeId.None, "membership")], [(new NodeId(2), 3ul)]));
        byte[] fenceResult = FencingWire.EncodeResult(new FenceResultMessage(new NodeId(1), 4, FenceAction.Reboot, true,
            [new FenceStep(1, "ipmi", FenceOutcome.Failed, TimeSpan.FromSeconds(1), "no route"), new FenceStep(2, "pdu", FenceOutcome.Succeeded, TimeSpan.FromSeconds(2), "ok")]));
        byte[] fenceAck = FencingWire.EncodeAck(new NodeId(1), 4, 1000);
        byte[] fenceRequest = FencingWire.EncodeRequest(new NodeId(1), 4, FenceAction.Off, 0);
        yield return Packet(PacketMode.FencingPayload, "fencing-sync-round",
            [1, .. GroupTarget.Record(1, fenceSync), .. GroupTarget.Record(2, fenceSync), .. GroupTarget.Record(3, fenceSync)]);
        yield return Packet(PacketMode.FencingPayload, "fencing-request-result-ack",
            [0, .. GroupTarget.Record(2, fenceRequest), .. GroupTarget.Record(2, fenceResult), .. GroupTarget.Record(1, fenceAck)]);
        yield return Packet(PacketMode.FencingPayload, "fencing-result-truncated", [0, .. GroupTarget.Record(2, fenceResult.AsSpan(0, fenceResult.Length - 4))]);
    }

    private static Seed Packet(PacketMode mode, string name, byte[] rest) => new("packet", name, [(byte)mode, .. rest]);

    // Mode 6's preamble: receiver and key flags, then the senders' first counter (u64).
    private static byte[] SealedPreamble(byte flags, ulong firstCounter = 0)
    {
        byte[] preamble = new byte[SealedTarget.Link.PreambleSize];
        preamble[0] = flags;
        BinaryPrimitives.WriteUInt64LittleEndian(preamble.AsSpan(1), firstCounter);
        return preamble;
    }

    // Mode 7's input without mutations: u16 length and the plain packet.
    private static byte[] PlainForMutation(ReadOnlySpan<byte> plain, params ReadOnlySpan<byte> mutations)
    {
        byte[] input = new byte[2 + plain.Length + mutations.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(input, (ushort)plain.Length);
        plain.CopyTo(input.AsSpan(2));
        mutations.CopyTo(input.AsSpan(2 + plain.Length));
        return input;
    }

    // Envelopes (modes 5 to 7): one datagram for every OpenResult node 1 can give node 2's datagrams, the envelope
    // deliveries of mode 6 (duplicate, out of order, dropped, restart, key rotation, counters near 2^64), mutations.
    private static IEnumerable<Seed> SealedSeeds(ClusterScript script, ViewId view)
    {
        var node2 = new NodeId(2);
        byte[] heartbeat = Datagram(PacketTarget.HeaderFor(PacketType.Heartbeat, node2),
            Encode(new Heartbeat(view, 2, 3, 3, view.Sequence, [new NodeId(1), new NodeId(3)], Digest).EncodedSize,
                (ref WireWriter w) => new Heartbeat(view, 2, 3, 3, view.Sequence, [new NodeId(1), new NodeId(3)], Digest).Write(ref w)));
        ulong next = SealedTarget.PrimedCounters + 1;
        byte[] ok = SealedTarget.Seal(heartbeat, node2, SealedTarget.PeerIncarnation, next);
        yield return Packet(PacketMode.SealedRaw, "envelope-ok", ok);
        yield return Packet(PacketMode.SealedRaw, "envelope-truncated", ok[..(SecureEnvelope.Overhead - 1)]);
        yield return Packet(PacketMode.SealedRaw, "envelope-not-sealed", heartbeat);
        byte[] version = (byte[])ok.Clone();
        version[2] = SecureEnvelope.Version + 1;
        yield return Packet(PacketMode.SealedRaw, "envelope-unknown-version", version);
        yield return Packet(PacketMode.SealedRaw, "envelope-unknown-key",
            SealedTarget.Seal(heartbeat, node2, SealedTarget.PeerIncarnation, next, SealedTarget.NextKey));
        yield return Packet(PacketMode.SealedRaw, "envelope-sender-mismatch",
            SealedTarget.Seal(heartbeat, new NodeId(3), SealedTarget.PeerIncarnation, next));
        yield return Packet(PacketMode.SealedRaw, "envelope-stale-incarnation",
            SealedTarget.Seal(heartbeat, node2, SealedTarget.PeerIncarnation - 1, next));
        yield return Packet(PacketMode.SealedRaw, "envelope-replayed",
            SealedTarget.Seal(SealedTarget.PrimingPacket(2), node2, SealedTarget.PeerIncarnation, 2));
        // No sender seals counter 0 (its first is 1): the counter field of an authentic datagram, overwritten.
        byte[] zero = SealedTarget.Seal(heartbeat, node2, SealedTarget.PeerIncarnation + 1, 1);
        BinaryPrimitives.WriteUInt64BigEndian(zero.AsSpan(24), 0);
        yield return Packet(PacketMode.SealedRaw, "envelope-counter-zero", zero);
        byte[] forged = (byte[])ok.Clone();
        forged[SecureEnvelope.HeaderSize] ^= 1;
        yield return Packet(PacketMode.SealedRaw, "envelope-auth-failed", forged);
        yield return Packet(PacketMode.SealedRaw, "envelope-new-incarnation",
            SealedTarget.Seal(heartbeat, node2, SealedTarget.PeerIncarnation + 1, 1));

        // Mode 6 to the coordinator (preamble byte 1) and the member (2): envelope deliveries of recorded traffic.
        byte[] ordered = NextOrdered(script, view);
        byte[] heartbeatBody = heartbeat[WireProtocol.HeaderSize..];
        yield return Packet(PacketMode.SealedRecords, "sealed-member-next-ordered-multicast",
            [.. SealedPreamble(2), .. PacketTarget.SealedRecord(PacketType.Ordered, 0, true, 0, ordered)]);
        yield return Packet(PacketMode.SealedRecords, "sealed-member-duplicate-held-dropped-restart",
            [.. SealedPreamble(2),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 0, false, 1, heartbeatBody),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 0, false, 2, heartbeatBody),
                .. PacketTarget.SealedRecord(PacketType.Ordered, 0, true, 0, ordered),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 1, false, 3, heartbeatBody),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 0, true, 4, heartbeatBody)]);
        yield return Packet(PacketMode.SealedRecords, "sealed-coord-rotation-staged",
            [.. SealedPreamble(1 | 4 | 8), .. PacketTarget.SealedRecord(PacketType.Heartbeat, 1, true, 0, heartbeatBody)]);
        yield return Packet(PacketMode.SealedRecords, "sealed-coord-unknown-key",
            [.. SealedPreamble(1 | 8), .. PacketTarget.SealedRecord(PacketType.Heartbeat, 1, true, 1, heartbeatBody)]);
        // Counters up to 2^64 - 1 and past it (the sender restarts): the replay window's last slots.
        yield return Packet(PacketMode.SealedRecords, "sealed-fresh-counter-near-max",
            [.. SealedPreamble(0, ulong.MaxValue - 2),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 0, false, 2, heartbeatBody),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 0, false, 0, heartbeatBody),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 0, false, 0, heartbeatBody),
                .. PacketTarget.SealedRecord(PacketType.Heartbeat, 0, false, 1, heartbeatBody)]);

        // Mode 7 with mutations: a flipped bit in the header, the ciphertext and the tag; a byte appended; truncated.
        yield return Packet(PacketMode.SealedMutation, "mutate-header-bit", PlainForMutation(heartbeat, [12, 0, 0x01]));
        yield return Packet(PacketMode.SealedMutation, "mutate-ciphertext-bit",
            PlainForMutation(heartbeat, [SecureEnvelope.HeaderSize + 3, 0, 0x80]));
        int lastTagByte = heartbeat.Length + SecureEnvelope.Overhead - 1;
        yield return Packet(PacketMode.SealedMutation, "mutate-tag-bit",
            PlainForMutation(heartbeat, [(byte)lastTagByte, (byte)(lastTagByte >> 8), 0x04]));
        yield return Packet(PacketMode.SealedMutation, "mutate-appended", PlainForMutation(heartbeat, [0, 0x80, 0x01]));
        yield return Packet(PacketMode.SealedMutation, "mutate-truncated", PlainForMutation(heartbeat, [40, 0x80, 0x00]));
        yield return Packet(PacketMode.SealedMutation, "mutate-flipped-back",
            PlainForMutation(heartbeat, [5, 0, 0x10, 5, 0, 0x10]));
        yield return Packet(PacketMode.SealedMutation, "mutate-empty-packet", PlainForMutation([]));
    }

    private static byte[] Datagram(PacketHeader header, ReadOnlySpan<byte> body)
    {
        byte[] bytes = new byte[WireProtocol.HeaderSize + body.Length];
        var w = new WireWriter(bytes);
        header.Write(ref w);
        body.CopyTo(bytes.AsSpan(WireProtocol.HeaderSize));
        return bytes;
    }

    private delegate void Write(ref WireWriter writer);

    private static byte[] Encode(int size, Write write)
    {
        byte[] bytes = new byte[size];
        var w = new WireWriter(bytes);
        write(ref w);
        return bytes;
    }

    // A valid body of every packet type, in the installed view of the recording (so they are not dropped as
    // belonging to another view).
    private static IEnumerable<(PacketType Type, string Name, byte[] Body)> Bodies(ViewId view)
    {
        var m1 = new MemberId(new NodeId(1), ClusterScript.Incarnation);
        var m2 = new MemberId(new NodeId(2), ClusterScript.Incarnation);
        var m3 = new MemberId(new NodeId(3), ClusterScript.Incarnation);
        var next = new ViewId(view.Sequence + 1, new NodeId(1));
        byte[] payload = GroupWire.Encode(GroupOp.Multicast, ClusterScript.GroupName, 102, "seed"u8);

        var heartbeat = new Heartbeat(view, 2, 3, 3, view.Sequence, [new NodeId(1), new NodeId(3)], Digest);
        yield return (PacketType.Heartbeat, "heartbeat", Encode(heartbeat.EncodedSize, (ref WireWriter w) => heartbeat.Write(ref w)));

        var fragment = new Fragment(1, new NodeId(2), 9, 0, 1, ServiceId.Groups, payload);
        byte[] data = new byte[DataHeader.Size + Fragment.Overhead + payload.Length];
        var dw = new WireWriter(data);
        new DataHeader(view, 1).Write(ref dw);
        fragment.Write(ref dw, WireProtocol.MaxVersion);
        yield return (PacketType.Data, "data", data);

        byte[] ordered = new byte[OrderedHeader.Size + (2 * Fragment.Overhead) + 10];
        var ow = new WireWriter(ordered);
        new OrderedHeader(view, 1, 2, 2).Write(ref ow);
        new Fragment(1, new NodeId(2), 9, 0, 2, ServiceId.Groups, "first"u8).Write(ref ow, WireProtocol.MaxVersion);
        new Fragment(2, new NodeId(2), 9, 1, 2, ServiceId.Groups, "secnd"u8).Write(ref ow, WireProtocol.MaxVersion);
        yield return (PacketType.Ordered, "ordered-two-fragments", ordered);

        yield return (PacketType.Ack, "ack", Encode(Ack.Size, (ref WireWriter w) => new Ack(view, 2).Write(ref w)));
        yield return (PacketType.Nack, "nack", Encode(Nack.Size, (ref WireWriter w) => new Nack(view, 1, 4).Write(ref w)));

        var prepare = new Prepare(next, [m1, m2, m3]);
        yield return (PacketType.Prepare, "prepare", Encode(prepare.EncodedSize, (ref WireWriter w) => prepare.Write(ref w)));
        yield return (PacketType.PrepareOk, "prepare-ok", Encode(PrepareOk.Size,
            (ref WireWriter w) => new PrepareOk(next, true, view, 3, view.Sequence, next, WireProtocol.MinVersion, WireProtocol.MaxVersion).Write(ref w)));

        var sync = new Sync(next, [new SyncCut(view, 3, new NodeId(1))]);
        yield return (PacketType.Sync, "sync", Encode(sync.EncodedSize, (ref WireWriter w) => sync.Write(ref w)));
        var syncOk = new SyncOk(next);
        yield return (PacketType.SyncOk, "sync-ok", Encode(SyncOk.Size, (ref WireWriter w) => syncOk.Write(ref w)));

        var install = new Install(next, WireProtocol.MaxVersion, [new InstallMember(m1, view), new InstallMember(m2, view), new InstallMember(m3, view)],
            [new Departure(new MemberId(new NodeId(3), 0), DepartureReason.Restarted)]);
        yield return (PacketType.Install, "install", Encode(install.EncodedSize, (ref WireWriter w) => install.Write(ref w)));
        yield return (PacketType.Leave, "leave", Encode(Leave.Size, (ref WireWriter w) => new Leave(view).Write(ref w)));
        yield return (PacketType.Service, "service-direct", Encode(DirectHeader.Size + 5, (ref WireWriter w) =>
        {
            new DirectHeader(view, ServiceId.Groups).Write(ref w);
            w.WriteBytes("hello"u8);
        }));
        var refuse = new Refuse(RefuseReason.ConfigVersion, 7, []);
        yield return (PacketType.Refuse, "refuse", Encode(refuse.EncodedSize, (ref WireWriter w) => refuse.Write(ref w)));
        // A node-list refusal from a node that lists only 1 and 2: its entries, and its digest as the value.
        NodeListEntry[] entries = [new(new NodeId(1), 0), new(new NodeId(2), 0)];
        var refuseList = new Refuse(RefuseReason.NodeList, NodeListDigest.Compute(entries), entries);
        yield return (PacketType.Refuse, "refuse-node-list", Encode(refuseList.EncodedSize, (ref WireWriter w) => refuseList.Write(ref w)));
        // A heartbeat from a node whose node list differs: refused before it touches any state.
        var stranger = new Heartbeat(view, 2, 3, 3, view.Sequence, [new NodeId(1), new NodeId(3)], Digest ^ 1);
        yield return (PacketType.Heartbeat, "heartbeat-other-node-list", Encode(stranger.EncodedSize, (ref WireWriter w) => stranger.Write(ref w)));
    }

    // Reads the ordered batches node 1 sent node 3 in the recording to find the next sequence and node 2's next
    // message number, and builds the Ordered body that delivers one more multicast from node 2.
    private static byte[] NextOrdered(ClusterScript script, ViewId view)
    {
        ulong highest = 0;
        ulong nextMessageNo = 1;
        foreach (var (from, to, datagram) in script.Delivered)
        {
            var r = new WireReader(datagram);
            if (from != new NodeId(1) || to != new NodeId(3) || !PacketHeader.TryRead(ref r, out var header, out _) ||
                header.Type != PacketType.Ordered || !OrderedHeader.TryRead(ref r, out var batch))
            {
                continue;
            }

            for (int i = 0; i < batch.Count && Fragment.TryRead(ref r, header.Version, out var f); i++)
            {
                highest = Math.Max(highest, f.Sequence);
                if (f.Sender == new NodeId(2) && f.MessageNo >= nextMessageNo)
                {
                    nextMessageNo = f.MessageNo + 1;
                }
            }
        }

        byte[] payload = GroupWire.Encode(GroupOp.Multicast, ClusterScript.GroupName, 102, "next"u8);
        var fragment = new Fragment(highest + 1, new NodeId(2), nextMessageNo, 0, 1, ServiceId.Groups, payload);
        byte[] body = new byte[OrderedHeader.Size + Fragment.Overhead + payload.Length];
        var w = new WireWriter(body);
        new OrderedHeader(view, highest, highest + 1, 1).Write(ref w);
        fragment.Write(ref w, WireProtocol.MaxVersion);
        return body;
    }

    /// <summary>Seeds of the IPC target: every message type, truncated copies, and a stream of three frames.</summary>
    public static IEnumerable<Seed> IpcSeeds()
    {
        uint requestId = 1;
        var frames = new List<byte[]>();
        foreach (var message in IpcSamples())
        {
            byte[] frame = IpcCodec.EncodeFrame(message.Type.GetKind() == MessageKind.Event ? 0 : requestId++, message);
            frames.Add(frame);
            string name = message.Type.ToString().ToLowerInvariant();
            yield return new Seed("ipc", $"frame-{name}", frame);
            if (frame.Length > IpcProtocol.LengthPrefixSize + IpcProtocol.BodyHeaderSize + 1)
            {
                yield return new Seed("ipc", $"frame-{name}-truncated", frame[..(frame.Length - 1)]);
            }
        }

        yield return new Seed("ipc", "stream-three-frames", [.. frames[0], .. frames[5], .. frames[^1]]);
        yield return new Seed("ipc", "length-too-large", [0xFF, 0xFF, 0xFF, 0x7F, 0x01, 0x00]);
    }

    private static IEnumerable<IpcMessage> IpcSamples()
    {
        var view = new ViewId(5, new NodeId(1));
        var member1 = new MemberInfo(new NodeId(1), 11, "alpha", ["10.0.0.1:5405"], MemberState.Member, view);
        var member2 = new MemberInfo(new NodeId(2), 12, "beta", ["10.0.0.2:5405", "[fd00::2]:5405"], MemberState.Joining, null);
        var clusterView = new ClusterView(view, [member1, member2]);
        var p1 = new IpcGroupMember(new NodeId(1), 4000);
        var p2 = new IpcGroupMember(new NodeId(2), 4001);

        yield return new HelloRequest(1, 1, "fuzz-seed");
        yield return GetStatusRequest.Instance;
        yield return GetMembersRequest.Instance;
        yield return new TrackMembershipRequest(TrackFlags.Current | TrackFlags.Changes);
        yield return StopTrackMembershipRequest.Instance;
        yield return new GroupJoinRequest("locks");
        yield return new GroupLeaveRequest("locks");
        yield return new GroupSendRequest("locks", GroupSendFlags.NoWait, new byte[] { 1, 2, 3 });
        yield return GetGroupsRequest.Instance;
        yield return new GetGroupMembersRequest("locks");
        yield return LeaveClusterRequest.Instance;
        yield return new HelloOkResponse(1, new NodeId(1), "alpha", "prod", 1 << 20);
        yield return OkResponse.Instance;
        yield return new ErrorResponse(ErrorCode.TryAgain, "send queue full");
        yield return new StatusResponse(new NodeId(1), "alpha", "prod", view, "operational", 1, [member1, member2],
            [new("failure_timeout", TimeSpan.FromMilliseconds(600))], [new("packets_received", 42)]);
        yield return new MembersResponse(clusterView);
        yield return new GroupsResponse([new GroupSummary("locks", 2)]);
        yield return new GroupMembersResponse([p1, p2]);
        yield return new MembershipChangedEvent(clusterView,
            [new MemberChange(new NodeId(2), 12, "beta", MembershipChange.Joined, string.Empty),
             new MemberChange(new NodeId(3), 13, "gamma", MembershipChange.Failed, "no heartbeat")]);
        yield return new GroupMessageEvent("locks", p2, new byte[] { 9, 8, 7 });
        yield return new GroupMessageOutcomeUnknownEvent("locks", p2, new byte[] { 6, 5 });
        yield return new GroupMembershipChangedEvent("locks", view, [p1, p2],
            [new GroupMemberChange(p2, GroupChangeReason.Join)], [new GroupMemberChange(new IpcGroupMember(new NodeId(3), 4002), GroupChangeReason.NodeDown)]);

        // Added with key rotation; last, so that the frames above keep their request ids and bytes.
        yield return GetKeysRequest.Instance;
        yield return new KeyOperationRequest(KeyOperation.Activate);
        yield return new KeysResponse(true,
            [new KeyInfo(0x1234abcd, KeyRole.Current, "/etc/muster/authkey"), new KeyInfo(0x0badf00d, KeyRole.Previous, "/etc/muster/authkey")],
            "now sealing with key 1234abcd");

        // Added with redundant links; last, for the same reason.
        yield return GetLinksRequest.Instance;
        yield return new LinksResponse("passive", 1372, [new PeerLinks(new NodeId(2), "beta",
            [new LinkInfo(0, "10.0.0.1:5405", "10.0.0.2:5405", true, true, 1, 1500, TimeSpan.FromMilliseconds(0.2),
                TimeSpan.FromSeconds(5), 1, 0, 50, 49),
             new LinkInfo(1, "[fd00::1]:5405", "[fd00::2]:5405", false, false, 0, 9000, null, TimeSpan.FromSeconds(1), 2, 2, 50, 20)])]);

        // Added with refusals in the status report; last, for the same reason.
        yield return GetRefusalsRequest.Instance;
        yield return new RefusalsResponse(
            [new RefusalInfo(new NodeId(3), "gamma", "10.0.0.3:5405", RefusalDirection.Inbound, RefusalReason.NodeList,
                "we refuse its packets: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)", TimeSpan.FromMilliseconds(300), 12),
             new RefusalInfo(NodeId.None, "", "10.0.0.9:5405", RefusalDirection.Inbound, RefusalReason.UnknownAddress,
                "we drop its datagrams: this address is not in our node list", TimeSpan.FromSeconds(2), 3)]);

        // Added with quorum; last, for the same reason.
        var quorum = new QuorumInfo(view, true, 3, 3, 2, 2, QuorumFlags.Quorate | QuorumFlags.WaitForAll, QuorumReason.EnoughVotes, true,
            [new QuorumNode(new NodeId(1), "alpha", 1, 3), new QuorumNode(new NodeId(2), "beta", 1, 3)]);
        yield return GetQuorumRequest.Instance;
        yield return TrackQuorumRequest.Instance;
        yield return StopTrackQuorumRequest.Instance;
        yield return new SetQuorumRequest(QuorumSetting.ExpectedVotes, NodeId.None, 2);
        yield return new QuorumResponse(quorum);
        yield return new QuorumChangeResponse("expected votes set to 2 (was 3)", false);
        yield return new QuorumChangedEvent(quorum with { Quorate = false, Reason = QuorumReason.NotEnoughVotes });

        // Added with fencing; last, for the same reason.
        yield return GetFencingRequest.Instance;
        yield return new FenceRequest(new NodeId(2), true, "", false);
        yield return new FencingResponse([new FencePendingInfo(new NodeId(2), "beta", 12, "reboot", 1, new NodeId(1), "membership")], [(new NodeId(2), 12ul)],
            [new FenceHistoryInfo(TimeSpan.FromSeconds(3), new NodeId(2), "beta", 12, 1, "ipmi", "reboot", "succeeded", TimeSpan.FromSeconds(4), new NodeId(1), "membership", "ok")]);
        yield return new FenceChangeResponse("node 2 \"beta\" acknowledged as off");
        yield return TrackRecoveryRequest.Instance;
        yield return StopTrackRecoveryRequest.Instance;
        yield return new NodeRecoverableEvent(new NodeId(2), "beta", 12, "fenced", view);
    }
}
