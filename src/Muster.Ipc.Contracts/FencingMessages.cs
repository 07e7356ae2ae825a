using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>A node pending fence.</summary>
/// <param name="Node">The node.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Incarnation">The incarnation that failed.</param>
/// <param name="Action">"reboot" or "off".</param>
/// <param name="Attempts">Attempts that failed so far.</param>
/// <param name="Actor">The member that runs the next attempt (0: none can).</param>
/// <param name="RequestedBy">"membership" for a failure, "uid N" for an operator.</param>
public sealed record FencePendingInfo(NodeId Node, string Name, ulong Incarnation, string Action, int Attempts, NodeId Actor, string RequestedBy);

/// <summary>One entry of the fence history.</summary>
/// <param name="Age">How long ago this node learned of it.</param>
/// <param name="Target">The node fenced.</param>
/// <param name="TargetName">Its configured name.</param>
/// <param name="Incarnation">Its incarnation.</param>
/// <param name="Level">The level (0 for an acknowledgement).</param>
/// <param name="Device">The device ("" for an acknowledgement).</param>
/// <param name="Action">"reboot" or "off".</param>
/// <param name="Outcome">"succeeded", "failed", "timed_out" or "acknowledged".</param>
/// <param name="Duration">How long the agent ran.</param>
/// <param name="Actor">Who ran it, or acknowledged it.</param>
/// <param name="RequestedBy">Who asked.</param>
/// <param name="Output">The agent's last output lines.</param>
public sealed record FenceHistoryInfo(
    TimeSpan Age, NodeId Target, string TargetName, ulong Incarnation, int Level, string Device, string Action, string Outcome,
    TimeSpan Duration, NodeId Actor, string RequestedBy, string Output);

/// <summary>Asks for the fencing state; answered with <see cref="FencingResponse"/>.</summary>
public sealed record GetFencingRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetFencingRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetFencing;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>The fencing state: pending fences, failed nodes awaiting recovery, the history (oldest first).</summary>
public sealed record FencingResponse(IReadOnlyList<FencePendingInfo> Pending, IReadOnlyList<(NodeId Node, ulong Incarnation)> AwaitingRecovery,
    IReadOnlyList<FenceHistoryInfo> History) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.FencingResult;

    internal override void WriteBody(ref FrameWriter w)
    {
        w.WriteCount(Pending.Count);
        foreach (var p in Pending)
        {
            w.WriteNode(p.Node);
            w.WriteString(p.Name);
            w.WriteUInt64(p.Incarnation);
            w.WriteString(p.Action);
            w.WriteUInt32((uint)p.Attempts);
            w.WriteNode(p.Actor);
            w.WriteString(p.RequestedBy);
        }

        w.WriteCount(AwaitingRecovery.Count);
        foreach (var (node, incarnation) in AwaitingRecovery)
        {
            w.WriteNode(node);
            w.WriteUInt64(incarnation);
        }

        w.WriteCount(History.Count);
        foreach (var h in History)
        {
            w.WriteTimeSpan(h.Age);
            w.WriteNode(h.Target);
            w.WriteString(h.TargetName);
            w.WriteUInt64(h.Incarnation);
            w.WriteByte((byte)h.Level);
            w.WriteString(h.Device);
            w.WriteString(h.Action);
            w.WriteString(h.Outcome);
            w.WriteTimeSpan(h.Duration);
            w.WriteNode(h.Actor);
            w.WriteString(h.RequestedBy);
            w.WriteString(h.Output);
        }
    }

    internal static FencingResponse Read(ref FrameReader r)
    {
        int count = r.ReadCount(4 + 2 + 8 + 2 + 4 + 4 + 2, "pending");
        var pending = count == 0 ? [] : new FencePendingInfo[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            pending[i] = new FencePendingInfo(r.ReadNode("pending.node"), r.ReadString("pending.name"), r.ReadUInt64("pending.incarnation"),
                r.ReadString("pending.action"), (int)Math.Min(r.ReadUInt32("pending.attempts"), int.MaxValue), r.ReadNode("pending.actor"),
                r.ReadString("pending.requestedBy"));
        }

        count = r.ReadCount(4 + 8, "awaiting");
        var awaiting = count == 0 ? [] : new (NodeId, ulong)[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            awaiting[i] = (r.ReadNode("awaiting.node"), r.ReadUInt64("awaiting.incarnation"));
        }

        count = r.ReadCount(8 + 4 + 2 + 8 + 1 + 2 + 2 + 2 + 8 + 4 + 2 + 2, "history");
        var history = count == 0 ? [] : new FenceHistoryInfo[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            history[i] = new FenceHistoryInfo(r.ReadTimeSpan("history.age"), r.ReadNode("history.target"), r.ReadString("history.targetName"),
                r.ReadUInt64("history.incarnation"), r.ReadByte("history.level"), r.ReadString("history.device"), r.ReadString("history.action"),
                r.ReadString("history.outcome"), r.ReadTimeSpan("history.duration"), r.ReadNode("history.actor"), r.ReadString("history.requestedBy"),
                r.ReadString("history.output"));
        }

        return new FencingResponse(pending, awaiting, history);
    }

    /// <inheritdoc/>
    public bool Equals(FencingResponse? other) =>
        other is not null && Pending.SequenceEqual(other.Pending) && AwaitingRecovery.SequenceEqual(other.AwaitingRecovery)
        && History.SequenceEqual(other.History);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Pending.Count, AwaitingRecovery.Count, History.Count);
}

/// <summary>
/// <c>muster fence ack NODE</c> (<paramref name="Acknowledge"/>) or <c>muster fence NODE</c>; answered with
/// <see cref="FenceChangeResponse"/> or <c>Error{BadOperation}</c> with the reason.
/// </summary>
/// <param name="Node">The node.</param>
/// <param name="Acknowledge">True: the operator confirms the node is off; false: fence it now.</param>
/// <param name="Action">For a fence: "reboot" or "off".</param>
/// <param name="Force">For a fence: without quorum.</param>
public sealed record FenceRequest(NodeId Node, bool Acknowledge, string Action, bool Force) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Fence;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteNode(Node);
        writer.WriteByte((byte)((Acknowledge ? 1 : 0) | (Force ? 2 : 0)));
        writer.WriteString(Action);
    }

    internal static FenceRequest Read(ref FrameReader r)
    {
        var node = r.ReadNode("node");
        byte flags = r.ReadByte("flags");
        return new FenceRequest(node, (flags & 1) != 0, r.ReadString("action"), (flags & 2) != 0);
    }
}

/// <summary>
/// Starts the recovery stream: a <see cref="NodeRecoverableEvent"/> whenever the recovery gate opens for a failed
/// node. Answered with <see cref="OkResponse"/>; <see cref="StopTrackRecoveryRequest"/> ends it.
/// </summary>
public sealed record TrackRecoveryRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static TrackRecoveryRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.TrackRecovery;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Ends the recovery stream; answered with <see cref="OkResponse"/>.</summary>
public sealed record StopTrackRecoveryRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static StopTrackRecoveryRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.StopTrackRecovery;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>
/// The recovery gate opened: <paramref name="Node"/> failed, this partition is quorate, and that incarnation was fenced
/// or acknowledged, so what it held may be recovered. Sent after the membership and quorum events that led to it.
/// </summary>
/// <param name="Node">The node.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Incarnation">The incarnation that failed.</param>
/// <param name="How">"fenced" or "acknowledged".</param>
/// <param name="View">The view in which the gate opened.</param>
public sealed record NodeRecoverableEvent(NodeId Node, string Name, ulong Incarnation, string How, ViewId View) : IpcEvent
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.NodeRecoverable;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteNode(Node);
        writer.WriteString(Name);
        writer.WriteUInt64(Incarnation);
        writer.WriteString(How);
        writer.WriteViewId(View);
    }

    internal static NodeRecoverableEvent Read(ref FrameReader r) =>
        new(r.ReadNode("node"), r.ReadString("name"), r.ReadUInt64("incarnation"), r.ReadString("how"), r.ReadViewId("view"));
}

/// <summary>A fence request or acknowledgement was accepted (sent to every member in order).</summary>
public sealed record FenceChangeResponse(string Message) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.FenceChangeResult;

    internal override void WriteBody(ref FrameWriter writer) => writer.WriteString(Message);

    internal static FenceChangeResponse Read(ref FrameReader r) => new(r.ReadString("message"));
}
