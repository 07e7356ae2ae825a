using System.Buffers.Binary;
using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Wire;

namespace Muster.Fuzz.Targets;

/// <summary>
/// The group-layer part of the packet target: ordered messages from other nodes, as the group layer of node 3
/// receives them, decoded by <see cref="GroupEngine"/>. Their bytes come from other nodes' packets, so they are
/// untrusted too.
/// </summary>
/// <remarks>
/// Input: one flag byte (bit 0: a view change first, so that the messages meet a pending per-view sync), then
/// records of u16 payload length, one sender byte (node = value % 3 + 1) and the payload.
/// </remarks>
public static class GroupTarget
{
    private const int MaxMessages = 64;

    /// <summary>Runs one input. Throws when the group layer throws.</summary>
    public static void Run(ReadOnlySpan<byte> input) => Run(input, ServiceId.Groups);

    /// <summary>
    /// Runs one input for the service <paramref name="service"/> of node 3 (the quorum service: nodeinfo and
    /// reconfigure messages from other nodes). Throws when the service throws.
    /// </summary>
    public static void Run(ReadOnlySpan<byte> input, ServiceId service)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var node = ClusterScript.Instance.Replay(new NodeId(3));
        // Fed through the node's own routing (ClusterNode.Inject), as the engine's events are.
        var now = ClusterScript.Instance.End;
        if ((input[0] & 1) != 0 && node.Engine.CurrentView is { } view)
        {
            node.Node.Inject(MembershipEvent.Changed(new ViewChange(view, view, [], [])), now);
        }

        var records = input[1..];
        for (ulong messageNo = 1; messageNo <= MaxMessages && records.Length >= 3; messageNo++)
        {
            int length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(records), records.Length - 3);
            var sender = new MemberId(new NodeId((uint)(records[2] % 3) + 1), ClusterScript.Incarnation);
            byte[] payload = records.Slice(3, length).ToArray();
            records = records[(3 + length)..];
            node.Node.Inject(MembershipEvent.Delivered(sender, messageNo, service, payload), now);
        }

        _ = node.Groups.Snapshot();
        _ = node.Quorum.State.ToString();
    }

    /// <summary>Encodes one record (for the seed generator).</summary>
    public static byte[] Record(uint senderNode, ReadOnlySpan<byte> payload)
    {
        var record = new byte[3 + payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(record, (ushort)payload.Length);
        record[2] = (byte)(senderNode - 1);
        payload.CopyTo(record.AsSpan(3));
        return record;
    }
}
