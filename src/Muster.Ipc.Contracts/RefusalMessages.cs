using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>
/// Asks why packets between this node and others are refused or dropped; answered with <see cref="RefusalsResponse"/>.
/// Part of the status report: <c>muster status</c> and <c>muster nodes</c> use it to say why a node is alone.
/// </summary>
public sealed record GetRefusalsRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetRefusalsRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetRefusals;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Who drops whose packets. Values are part of the IPC protocol: never renumber.</summary>
public enum RefusalDirection : byte
{
    /// <summary>This node drops the other side's packets.</summary>
    Inbound = 1,
    /// <summary>The other side drops this node's packets (it said so).</summary>
    Outbound = 2,
}

/// <summary>
/// What differs between the two sides. Values are part of the IPC protocol: never renumber. A newer daemon may send
/// values this build does not know; <see cref="RefusalInfo.Text"/> still says what they mean.
/// </summary>
public enum RefusalReason : byte
{
    /// <summary>Another cluster name.</summary>
    ClusterName = 1,
    /// <summary>Another <c>config_version</c>.</summary>
    ConfigVersion = 2,
    /// <summary>No wire protocol version in common (builds too far apart).</summary>
    ProtocolVersion = 3,
    /// <summary>Another node list (ids, names or addresses), or another node at the address of this one.</summary>
    NodeList = 4,
    /// <summary>Datagrams from an address and port that are not in this node's node list.</summary>
    UnknownAddress = 5,
    /// <summary>Sealed with a key this node does not hold: the key files differ.</summary>
    UnknownKey = 6,
    /// <summary>Unencrypted while this node requires encryption (<c>security.crypto</c> differs).</summary>
    NotEncrypted = 7,
    /// <summary>Encrypted while this node runs with <c>crypto = "none"</c>.</summary>
    Encrypted = 8,
    /// <summary>Failed authentication: forged, corrupted, or from a cluster of another name that shares the key.</summary>
    AuthenticationFailed = 9,
}

/// <summary>One reason why packets between this node and another one (or an address) are refused, as last seen.</summary>
/// <param name="Node">The other node; <see cref="NodeId.None"/> for an address outside the node list.</param>
/// <param name="Name">The other node's configured name; empty for an address outside the node list.</param>
/// <param name="Address">The address the packets came from, or the node's first configured address.</param>
/// <param name="Direction">Who drops whose packets.</param>
/// <param name="Reason">What differs.</param>
/// <param name="Text">What the refusal is about, in words, without the subject ("its config version 2 differs from ours (1)").</param>
/// <param name="Age">How long ago the latest packet of this refusal was seen.</param>
/// <param name="Count">How many packets were refused for it.</param>
public sealed record RefusalInfo(
    NodeId Node, string Name, string Address, RefusalDirection Direction, RefusalReason Reason, string Text, TimeSpan Age, long Count);

/// <summary>Answers <see cref="GetRefusalsRequest"/>.</summary>
/// <param name="Refusals">
/// The refusals seen lately (the daemon drops one it has not seen again for a while, and one of a node whose packets
/// are accepted again), most recent first.
/// </param>
public sealed record RefusalsResponse(IReadOnlyList<RefusalInfo> Refusals) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.RefusalsResult;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteCount(Refusals.Count);
        foreach (var r in Refusals)
        {
            writer.WriteNode(r.Node);
            writer.WriteString(r.Name);
            writer.WriteString(r.Address);
            writer.WriteByte((byte)r.Direction);
            writer.WriteByte((byte)r.Reason);
            writer.WriteString(r.Text);
            writer.WriteTimeSpan(r.Age);
            writer.WriteInt64(r.Count);
        }
    }

    internal static RefusalsResponse Read(ref FrameReader r)
    {
        // node (4), three strings (their length prefixes at least), direction, reason, age (8), count (8)
        int count = r.ReadCount(4 + 2 + 2 + 1 + 1 + 2 + 8 + 8, "refusals");
        var refusals = count == 0 ? [] : new RefusalInfo[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            NodeId node = r.ReadNode("refusal.node");
            string name = r.ReadString("refusal.name");
            string address = r.ReadString("refusal.address");
            var direction = (RefusalDirection)r.ReadEnumByte((byte)RefusalDirection.Inbound, (byte)RefusalDirection.Outbound, "refusal.direction");
            // Reasons this build does not know still decode: a newer daemon may report more, and its text says what.
            var reason = (RefusalReason)r.ReadEnumByte(1, byte.MaxValue, "refusal.reason");
            refusals[i] = new RefusalInfo(node, name, address, direction, reason, r.ReadString("refusal.text"),
                r.ReadTimeSpan("refusal.age"), r.ReadInt64("refusal.count"));
        }

        return new RefusalsResponse(refusals);
    }

    /// <inheritdoc/>
    public bool Equals(RefusalsResponse? other) => other is not null && Refusals.SequenceEqual(other.Refusals);

    /// <inheritdoc/>
    public override int GetHashCode() => Refusals.Count;
}
