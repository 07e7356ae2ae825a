using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>A new view was installed; sent to clients that track membership.</summary>
/// <param name="View">The new view with all its members.</param>
/// <param name="Changes">
/// The nodes whose membership changed: joined ones (in <paramref name="View"/>) and left or failed ones (not in it).
/// Empty in the first event after a <see cref="TrackMembershipRequest"/> with <see cref="TrackFlags.Current"/>.
/// </param>
public sealed record MembershipChangedEvent(ClusterView View, IReadOnlyList<MemberChange> Changes) : IpcEvent
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.MembershipChanged;

    internal override void WriteBody(ref FrameWriter writer)
    {
        WireModel.WriteView(ref writer, View);
        writer.WriteCount(Changes.Count);
        foreach (var c in Changes)
        {
            writer.WriteNode(c.NodeId);
            writer.WriteUInt64(c.Incarnation);
            writer.WriteString(c.Name);
            writer.WriteByte((byte)c.Change);
            writer.WriteString(c.Reason);
        }
    }

    internal static MembershipChangedEvent Read(ref FrameReader r)
    {
        var view = WireModel.ReadView(ref r);
        int count = r.ReadCount(WireModel.MinMemberChangeSize, "changes");
        var changes = count == 0 ? [] : new MemberChange[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            var node = r.ReadNode("change.nodeId");
            ulong incarnation = r.ReadUInt64("change.incarnation");
            string name = r.ReadString("change.name");
            var change = (MembershipChange)r.ReadEnumByte(
                (byte)MembershipChange.NoChange, (byte)MembershipChange.Merged, "change.change");
            string reason = r.ReadString("change.reason");
            changes[i] = new MemberChange(node, incarnation, name, change, reason);
        }

        return new MembershipChangedEvent(view, changes);
    }
}

/// <summary>A message delivered to a group the client has joined, in the cluster's agreed order (CPG deliver_fn).</summary>
/// <param name="Group">The group.</param>
/// <param name="Sender">The process that sent it.</param>
/// <param name="Payload">The message.</param>
public sealed record GroupMessageEvent(string Group, GroupMember Sender, ReadOnlyMemory<byte> Payload) : IpcEvent
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupMessage;

    internal override void WriteBody(ref FrameWriter writer) => WriteMessage(ref writer, Group, Sender, Payload.Span);

    internal static GroupMessageEvent Read(ref FrameReader r)
    {
        var (group, sender, payload) = ReadMessage(ref r);
        return new GroupMessageEvent(group, sender, payload);
    }

    internal static void WriteMessage(ref FrameWriter writer, string group, GroupMember sender, ReadOnlySpan<byte> payload)
    {
        writer.WriteString(group);
        WireModel.WriteGroupMember(ref writer, sender);
        writer.WriteBlob(payload);
    }

    internal static (string Group, GroupMember Sender, byte[] Payload) ReadMessage(ref FrameReader r)
    {
        string group = r.ReadString("group");
        var sender = WireModel.ReadGroupMember(ref r);
        byte[] payload = r.ReadBlob("payload");
        return (group, sender, payload);
    }
}

/// <summary>
/// A message this client sent to a group will not be delivered here, and may or may not have been delivered to the
/// members on the other side of a view change: the view's sequencer was lost before this side learned the message's
/// place in the order. It is not resent (that could deliver it twice). docs/protocol.md §6 explains when this happens.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="Sender">The sending process (this client).</param>
/// <param name="Payload">The message.</param>
public sealed record GroupMessageOutcomeUnknownEvent(string Group, GroupMember Sender, ReadOnlyMemory<byte> Payload) : IpcEvent
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupMessageOutcomeUnknown;

    // The same body as a GroupMessage.
    internal override void WriteBody(ref FrameWriter writer) => GroupMessageEvent.WriteMessage(ref writer, Group, Sender, Payload.Span);

    internal static GroupMessageOutcomeUnknownEvent Read(ref FrameReader r)
    {
        var (group, sender, payload) = GroupMessageEvent.ReadMessage(ref r);
        return new GroupMessageOutcomeUnknownEvent(group, sender, payload);
    }
}

/// <summary>A group's membership changed (CPG confchg_fn).</summary>
/// <param name="Group">The group.</param>
/// <param name="ViewId">The cluster view in which the change happened.</param>
/// <param name="Members">The group's processes after the change.</param>
/// <param name="Joined">The processes that joined, with why.</param>
/// <param name="Left">The processes that left, with why.</param>
public sealed record GroupMembershipChangedEvent(
    string Group,
    ViewId ViewId,
    IReadOnlyList<GroupMember> Members,
    IReadOnlyList<GroupMemberChange> Joined,
    IReadOnlyList<GroupMemberChange> Left) : IpcEvent
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupMembershipChanged;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteString(Group);
        writer.WriteViewId(ViewId);
        WireModel.WriteGroupMembers(ref writer, Members);
        WireModel.WriteGroupMemberChanges(ref writer, Joined);
        WireModel.WriteGroupMemberChanges(ref writer, Left);
    }

    internal static GroupMembershipChangedEvent Read(ref FrameReader r)
    {
        string group = r.ReadString("group");
        var viewId = r.ReadViewId("viewId");
        var members = WireModel.ReadGroupMembers(ref r, "members");
        var joined = WireModel.ReadGroupMemberChanges(ref r, "joined");
        var left = WireModel.ReadGroupMemberChanges(ref r, "left");
        return new GroupMembershipChangedEvent(group, viewId, members, joined, left);
    }
}
