using Muster.Core;

namespace Muster.Ipc.Contracts;

// Encoders and decoders of the structures shared by several messages. The minimum sizes let list decoders reject
// a count that cannot fit before allocating anything for it.
internal static class WireModel
{
    // nodeId u32, incarnation u64, name (u16 len), address count u32, state u8, has-joined-view u8.
    public const int MinMemberInfoSize = 4 + 8 + 2 + 4 + 1 + 1;
    public const int MinStringSize = 2;
    // nodeId u32, incarnation u64, name (u16 len), change u8, reason (u16 len).
    public const int MinMemberChangeSize = 4 + 8 + 2 + 1 + 2;
    public const int GroupMemberSize = 4 + 4;
    public const int GroupMemberChangeSize = GroupMemberSize + 1;
    // name (u16 len), member count u32.
    public const int MinGroupSummarySize = 2 + 4;
    // name (u16 len), value i64.
    public const int MinNamedValueSize = 2 + 8;

    public static void WriteMember(ref FrameWriter w, MemberInfo m)
    {
        w.WriteNode(m.NodeId);
        w.WriteUInt64(m.Incarnation);
        w.WriteString(m.Name);
        w.WriteCount(m.Addresses.Count);
        foreach (string address in m.Addresses)
        {
            w.WriteString(address);
        }

        w.WriteByte((byte)m.State);
        if (m.JoinedViewId is { } joined)
        {
            w.WriteByte(1);
            w.WriteViewId(joined);
        }
        else
        {
            w.WriteByte(0);
        }
    }

    public static MemberInfo ReadMember(ref FrameReader r)
    {
        var node = r.ReadNode("member.nodeId");
        ulong incarnation = r.ReadUInt64("member.incarnation");
        string name = r.ReadString("member.name");
        int addressCount = r.ReadCount(MinStringSize, "member.addresses");
        var addresses = addressCount == 0 ? [] : new string[addressCount];
        for (int i = 0; i < addressCount && !r.Failed; i++)
        {
            addresses[i] = r.ReadString("member.address");
        }

        var state = (MemberState)r.ReadEnumByte((byte)MemberState.Member, (byte)MemberState.Leaving, "member.state");
        ViewId? joined = r.ReadBool("member.hasJoinedViewId") ? r.ReadViewId("member.joinedViewId") : null;
        return new MemberInfo(node, incarnation, name, addresses, state, joined);
    }

    public static void WriteMembers(ref FrameWriter w, IReadOnlyList<MemberInfo> members)
    {
        w.WriteCount(members.Count);
        foreach (var m in members)
        {
            WriteMember(ref w, m);
        }
    }

    public static MemberInfo[] ReadMembers(ref FrameReader r)
    {
        int count = r.ReadCount(MinMemberInfoSize, "members");
        var members = count == 0 ? [] : new MemberInfo[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            members[i] = ReadMember(ref r);
        }

        return members;
    }

    public static void WriteView(ref FrameWriter w, ClusterView view)
    {
        w.WriteViewId(view.ViewId);
        WriteMembers(ref w, view.Members);
    }

    public static ClusterView ReadView(ref FrameReader r)
    {
        var viewId = r.ReadViewId("view.viewId");
        var members = ReadMembers(ref r);
        return new ClusterView(viewId, members);
    }

    public static void WriteGroupMember(ref FrameWriter w, GroupMember m)
    {
        w.WriteNode(m.NodeId);
        w.WriteUInt32(m.ProcessId);
    }

    public static GroupMember ReadGroupMember(ref FrameReader r) =>
        new(r.ReadNode("groupMember.nodeId"), r.ReadUInt32("groupMember.pid"));

    public static void WriteGroupMembers(ref FrameWriter w, IReadOnlyList<GroupMember> members)
    {
        w.WriteCount(members.Count);
        foreach (var m in members)
        {
            WriteGroupMember(ref w, m);
        }
    }

    public static GroupMember[] ReadGroupMembers(ref FrameReader r, string field)
    {
        int count = r.ReadCount(GroupMemberSize, field);
        var members = count == 0 ? [] : new GroupMember[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            members[i] = ReadGroupMember(ref r);
        }

        return members;
    }

    public static void WriteGroupMemberChanges(ref FrameWriter w, IReadOnlyList<GroupMemberChange> changes)
    {
        w.WriteCount(changes.Count);
        foreach (var c in changes)
        {
            WriteGroupMember(ref w, c.Member);
            w.WriteByte((byte)c.Reason);
        }
    }

    public static GroupMemberChange[] ReadGroupMemberChanges(ref FrameReader r, string field)
    {
        int count = r.ReadCount(GroupMemberChangeSize, field);
        var changes = count == 0 ? [] : new GroupMemberChange[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            var member = ReadGroupMember(ref r);
            var reason = (GroupChangeReason)r.ReadEnumByte(
                (byte)GroupChangeReason.Join, (byte)GroupChangeReason.ProcessDown, field + ".reason");
            changes[i] = new GroupMemberChange(member, reason);
        }

        return changes;
    }
}
