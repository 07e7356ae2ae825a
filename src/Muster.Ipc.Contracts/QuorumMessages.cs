using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>The quorum flags (corosync-quorumtool's "Flags:" line). Bits are part of the IPC protocol: never renumber.</summary>
[Flags]
public enum QuorumFlags : ushort
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>The partition is quorate.</summary>
    Quorate = 1 << 0,
    /// <summary>two_node is on and applies (at most two members).</summary>
    TwoNode = 1 << 1,
    /// <summary>wait_for_all is on.</summary>
    WaitForAll = 1 << 2,
    /// <summary>wait_for_all is still blocking.</summary>
    WaitingForAll = 1 << 3,
    /// <summary>last_man_standing is on.</summary>
    LastManStanding = 1 << 4,
    /// <summary>auto_tie_breaker is on.</summary>
    AutoTieBreaker = 1 << 5,
    /// <summary>allow_downscale is on.</summary>
    AllowDownscale = 1 << 6,
    /// <summary>An arbiter is configured (votequorum's Qdevice).</summary>
    Arbiter = 1 << 7,
}

/// <summary>Why the partition is quorate or not. Values are part of the IPC protocol: never renumber.</summary>
public enum QuorumReason : byte
{
    /// <summary>Its votes reach quorum.</summary>
    EnoughVotes = 1,
    /// <summary>two_node: one vote of two suffices.</summary>
    TwoNode = 2,
    /// <summary>An even split and this side holds the tie-breaker node.</summary>
    TieBreaker = 3,
    /// <summary>Its votes are below quorum.</summary>
    NotEnoughVotes = 4,
    /// <summary>wait_for_all: not every node has been seen since the cluster started.</summary>
    WaitingForAll = 5,
}

/// <summary>One member as quorum counts it.</summary>
/// <param name="Node">Its node id.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Votes">Its votes.</param>
/// <param name="ExpectedVotes">The expected votes it announced for this view (0 until it has).</param>
public sealed record QuorumNode(NodeId Node, string Name, int Votes, int ExpectedVotes);

/// <summary>A node's quorum state (votequorum_getinfo, corosync-quorumtool -s).</summary>
/// <param name="View">The view it was computed for.</param>
/// <param name="Quorate">The partition may act.</param>
/// <param name="ExpectedVotes">This node's expected votes.</param>
/// <param name="HighestExpected">The highest expected votes a quorate member announced.</param>
/// <param name="TotalVotes">The votes present.</param>
/// <param name="Quorum">The votes needed.</param>
/// <param name="Flags">Options in force and states.</param>
/// <param name="Reason">Why.</param>
/// <param name="Synced">Every member's figures for this view have arrived.</param>
/// <param name="Nodes">The members, by node id.</param>
public sealed record QuorumInfo(
    ViewId View, bool Quorate, int ExpectedVotes, int HighestExpected, int TotalVotes, int Quorum, QuorumFlags Flags,
    QuorumReason Reason, bool Synced, IReadOnlyList<QuorumNode> Nodes)
{
    internal void Write(ref FrameWriter w)
    {
        w.WriteViewId(View);
        w.WriteByte(Quorate ? (byte)1 : (byte)0);
        w.WriteUInt32((uint)ExpectedVotes);
        w.WriteUInt32((uint)HighestExpected);
        w.WriteUInt32((uint)TotalVotes);
        w.WriteUInt32((uint)Quorum);
        w.WriteUInt16((ushort)Flags);
        w.WriteByte((byte)Reason);
        w.WriteByte(Synced ? (byte)1 : (byte)0);
        w.WriteCount(Nodes.Count);
        foreach (var n in Nodes)
        {
            w.WriteNode(n.Node);
            w.WriteString(n.Name);
            w.WriteUInt32((uint)n.Votes);
            w.WriteUInt32((uint)n.ExpectedVotes);
        }
    }

    internal static QuorumInfo Read(ref FrameReader r)
    {
        var view = r.ReadViewId("quorum.view");
        bool quorate = r.ReadBool("quorum.quorate");
        int expected = ReadVotes(ref r, "quorum.expectedVotes");
        int highest = ReadVotes(ref r, "quorum.highestExpected");
        int total = ReadVotes(ref r, "quorum.totalVotes");
        int quorum = ReadVotes(ref r, "quorum.quorum");
        // Flags and reasons this build does not know still decode: a newer daemon may report more.
        var flags = (QuorumFlags)r.ReadUInt16("quorum.flags");
        var reason = (QuorumReason)r.ReadEnumByte(1, byte.MaxValue, "quorum.reason");
        bool synced = r.ReadBool("quorum.synced");
        // node (4), name (2 at least), votes (4), expected (4)
        int count = r.ReadCount(4 + 2 + 4 + 4, "quorum.nodes");
        var nodes = count == 0 ? [] : new QuorumNode[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            nodes[i] = new QuorumNode(r.ReadNode("quorum.node"), r.ReadString("quorum.node.name"),
                ReadVotes(ref r, "quorum.node.votes"), ReadVotes(ref r, "quorum.node.expectedVotes"));
        }

        return new QuorumInfo(view, quorate, expected, highest, total, quorum, flags, reason, synced, nodes);
    }

    // Votes travel as u32 but never exceed int: a larger value is a broken frame, not a number to wrap.
    private static int ReadVotes(ref FrameReader r, string field)
    {
        uint value = r.ReadUInt32(field);
        if (value > int.MaxValue)
        {
            r.Fail($"{field}: {value} is out of range");
            return 0;
        }

        return (int)value;
    }

    /// <inheritdoc/>
    public bool Equals(QuorumInfo? other) =>
        other is not null && View == other.View && Quorate == other.Quorate && ExpectedVotes == other.ExpectedVotes
        && HighestExpected == other.HighestExpected && TotalVotes == other.TotalVotes && Quorum == other.Quorum
        && Flags == other.Flags && Reason == other.Reason && Synced == other.Synced && Nodes.SequenceEqual(other.Nodes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(View, Quorate, ExpectedVotes, TotalVotes, Quorum, Flags);
}

/// <summary>Asks for the quorum state (votequorum_getinfo); answered with <see cref="QuorumResponse"/>.</summary>
public sealed record GetQuorumRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetQuorumRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetQuorum;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Answers <see cref="GetQuorumRequest"/>.</summary>
public sealed record QuorumResponse(QuorumInfo Quorum) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.QuorumResult;

    internal override void WriteBody(ref FrameWriter writer) => Quorum.Write(ref writer);

    internal static QuorumResponse Read(ref FrameReader r) => new(QuorumInfo.Read(ref r));
}

/// <summary>
/// Starts quorum tracking (quorum_trackstart / votequorum_trackstart with CS_TRACK_CHANGES): every change comes as a
/// <see cref="QuorumChangedEvent"/>, after the <see cref="MembershipChangedEvent"/> of the view that caused it.
/// Answered with <see cref="OkResponse"/>.
/// </summary>
public sealed record TrackQuorumRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static TrackQuorumRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.TrackQuorum;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Stops quorum tracking (quorum_trackstop); answered with <see cref="OkResponse"/>.</summary>
public sealed record StopTrackQuorumRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static StopTrackQuorumRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.StopTrackQuorum;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>What a <see cref="SetQuorumRequest"/> changes. Values are part of the IPC protocol: never renumber.</summary>
public enum QuorumSetting : byte
{
    /// <summary>Expected votes, cluster-wide (votequorum_setexpected; <c>muster quorum expected N</c>).</summary>
    ExpectedVotes = 1,
    /// <summary>One node's votes (votequorum_setvotes; <c>muster quorum votes NODE N</c>).</summary>
    NodeVotes = 2,
    /// <summary>Lift wait_for_all (<c>muster quorum unblock</c>).</summary>
    Unblock = 3,
}

/// <summary>
/// Changes quorum at run time; answered with <see cref="QuorumChangeResponse"/>, or an <see cref="ErrorResponse"/>
/// (<see cref="ErrorCode.BadOperation"/> or <see cref="ErrorCode.InvalidParameter"/>) saying why it is refused.
/// </summary>
/// <param name="Setting">What to change.</param>
/// <param name="Node">The node, for <see cref="QuorumSetting.NodeVotes"/>; <see cref="NodeId.None"/> otherwise.</param>
/// <param name="Value">The new value (0 for <see cref="QuorumSetting.Unblock"/>).</param>
public sealed record SetQuorumRequest(QuorumSetting Setting, NodeId Node, int Value) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.SetQuorum;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteByte((byte)Setting);
        writer.WriteNode(Node);
        writer.WriteUInt32((uint)Value);
    }

    internal static SetQuorumRequest Read(ref FrameReader r)
    {
        // Any setting number decodes; an unknown one is answered with InvalidParameter, not a framing error.
        var setting = (QuorumSetting)r.ReadByte("setting");
        var node = r.ReadNode("node");
        uint value = r.ReadUInt32("value");
        return new SetQuorumRequest(setting, node, value > int.MaxValue ? -1 : (int)value);
    }
}

/// <summary>A quorum change was accepted: every member applies it in the total order.</summary>
/// <param name="Message">What was done ("expected votes set to 2 (was 3)").</param>
/// <param name="Override">Accepted as an operator's override (on an inquorate partition, or lifting wait_for_all); logged as such.</param>
public sealed record QuorumChangeResponse(string Message, bool Override) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.QuorumChangeResult;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteString(Message);
        writer.WriteByte(Override ? (byte)1 : (byte)0);
    }

    internal static QuorumChangeResponse Read(ref FrameReader r) => new(r.ReadString("message"), r.ReadBool("override"));
}

/// <summary>The quorum state changed; sent to clients that track quorum.</summary>
public sealed record QuorumChangedEvent(QuorumInfo Quorum) : IpcEvent
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.QuorumChanged;

    internal override void WriteBody(ref FrameWriter writer) => Quorum.Write(ref writer);

    internal static QuorumChangedEvent Read(ref FrameReader r) => new(QuorumInfo.Read(ref r));
}
