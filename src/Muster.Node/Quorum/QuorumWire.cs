using Muster.Core;
using Muster.Wire;

namespace Muster.Node.Quorum;

/// <summary>Quorum messages carried as ordered messages of <see cref="ServiceId.Quorum"/>. Values are on the wire: never renumber.</summary>
internal enum QuorumOp : byte
{
    /// <summary>votequorum's nodeinfo: a member's votes, expected votes and state, sent at every view's sync.</summary>
    NodeInfo = 1,

    /// <summary>votequorum's reconfigure: an operator's change, applied by every member in the total order.</summary>
    Reconfigure = 2,
}

/// <summary>What a <see cref="QuorumOp.Reconfigure"/> changes. Values are on the wire: never renumber.</summary>
internal enum QuorumParameter : byte
{
    ExpectedVotes = 1,
    NodeVotes = 2,
    CancelWaitForAll = 3,
}

/// <summary>The state bits of a nodeinfo. Values are on the wire: never renumber.</summary>
[Flags]
internal enum NodeInfoFlags : byte
{
    None = 0,
    /// <summary>Quorate in this view, as counted when the view was installed.</summary>
    Quorate = 1,
    WaitingForAll = 2,
    /// <summary>Quorate in the view before this one: its expected votes are the cluster's.</summary>
    HeldQuorum = 4,
}

/// <summary>One member's nodeinfo.</summary>
internal readonly record struct NodeInfo(int Votes, int ExpectedVotes, NodeInfoFlags Flags);

/// <summary>One reconfigure request.</summary>
internal readonly record struct Reconfigure(QuorumParameter Parameter, NodeId Node, int Value, uint RequestedBy);

/// <summary>
/// Encoding: op u8, then version u8 (1), then the op's fields. A newer version may append fields; an older reader
/// ignores what follows the fields it knows, so the layout only ever grows at the end.
/// </summary>
internal static class QuorumWire
{
    public const byte Version = 1;
    public const int NodeInfoSize = 2 + 2 + 4 + 1;
    public const int ReconfigureSize = 2 + 1 + 4 + 4 + 4;

    // Bounds on values from the network: a peer's numbers are untrusted, and sums of them must not overflow.
    public const int MaxVotes = 255;
    public const int MaxExpectedVotes = 1_000_000;

    public static byte[] EncodeNodeInfo(NodeInfo info)
    {
        var bytes = new byte[NodeInfoSize];
        var w = new WireWriter(bytes);
        w.WriteByte((byte)QuorumOp.NodeInfo);
        w.WriteByte(Version);
        w.WriteUInt16((ushort)info.Votes);
        w.WriteUInt32((uint)info.ExpectedVotes);
        w.WriteByte((byte)info.Flags);
        return bytes;
    }

    public static byte[] EncodeReconfigure(Reconfigure change)
    {
        var bytes = new byte[ReconfigureSize];
        var w = new WireWriter(bytes);
        w.WriteByte((byte)QuorumOp.Reconfigure);
        w.WriteByte(Version);
        w.WriteByte((byte)change.Parameter);
        w.WriteNode(change.Node);
        w.WriteUInt32((uint)change.Value);
        w.WriteUInt32(change.RequestedBy);
        return bytes;
    }

    /// <summary>The op of a message, or false when it is too short to have one.</summary>
    public static bool TryReadOp(ReadOnlySpan<byte> payload, out QuorumOp op)
    {
        op = payload.Length >= 2 ? (QuorumOp)payload[0] : 0;
        return payload.Length >= 2 && payload[1] >= Version;
    }

    public static bool TryDecodeNodeInfo(ReadOnlySpan<byte> payload, out NodeInfo info, out string problem)
    {
        info = default;
        var r = new WireReader(payload[2..]);
        if (!r.TryReadUInt16(out ushort votes) || !r.TryReadUInt32(out uint expected) || !r.TryReadByte(out byte flags))
        {
            problem = $"nodeinfo of {payload.Length} bytes is truncated (needs {NodeInfoSize})";
            return false;
        }

        if (votes > MaxVotes || expected is 0 or > MaxExpectedVotes)
        {
            problem = $"nodeinfo with votes {votes} and expected votes {expected} is out of range (votes 0..{MaxVotes}, expected 1..{MaxExpectedVotes})";
            return false;
        }

        // Unknown flag bits from a newer version are ignored, not refused.
        info = new NodeInfo(votes, (int)expected, (NodeInfoFlags)flags & (NodeInfoFlags.Quorate | NodeInfoFlags.WaitingForAll | NodeInfoFlags.HeldQuorum));
        problem = "";
        return true;
    }

    public static bool TryDecodeReconfigure(ReadOnlySpan<byte> payload, out Reconfigure change, out string problem)
    {
        change = default;
        var r = new WireReader(payload[2..]);
        if (!r.TryReadByte(out byte parameter) || !r.TryReadNode(out var node) || !r.TryReadUInt32(out uint value)
            || !r.TryReadUInt32(out uint uid))
        {
            problem = $"reconfigure of {payload.Length} bytes is truncated (needs {ReconfigureSize})";
            return false;
        }

        var p = (QuorumParameter)parameter;
        bool valid = p switch
        {
            QuorumParameter.ExpectedVotes => value is >= 1 and <= MaxExpectedVotes,
            QuorumParameter.NodeVotes => value <= MaxVotes && node.IsValid,
            QuorumParameter.CancelWaitForAll => true,
            _ => false,
        };
        if (!valid)
        {
            problem = $"reconfigure of parameter {parameter} to {value} for node {node.Value} is not valid";
            return false;
        }

        change = new Reconfigure(p, node, (int)value, uid);
        problem = "";
        return true;
    }
}
