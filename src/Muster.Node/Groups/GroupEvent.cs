using Muster.Core;

namespace Muster.Node.Groups;

/// <summary>The kind of a <see cref="GroupEvent"/>.</summary>
public enum GroupEventKind : byte
{
    /// <summary>A message multicast to the group.</summary>
    Message = 1,
    /// <summary>The group's membership changed.</summary>
    MembershipChanged = 2,

    /// <summary>
    /// A multicast of this member will not be delivered here, and may or may not have been delivered on the other
    /// side of a view change (its view's sequencer did not come along). Not resent: that could deliver it twice.
    /// </summary>
    MessageOutcomeUnknown = 3,
}

/// <summary>An event for one local group member (identified by the session that joined it).</summary>
public sealed class GroupEvent
{
    private GroupEvent(GroupEventKind kind, int session, string group)
    {
        Kind = kind;
        Session = session;
        Group = group;
    }

    public GroupEventKind Kind { get; }

    /// <summary>The local session (IPC connection) the event is for.</summary>
    public int Session { get; }

    public string Group { get; }

    /// <summary>For messages (and messages of unknown outcome): who sent it.</summary>
    public GroupMember Sender { get; private init; }

    /// <summary>For messages: the payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; private init; }

    /// <summary>For membership changes: the view in which it happened.</summary>
    public ViewId ViewId { get; private init; }

    /// <summary>For membership changes: every member after the change.</summary>
    public IReadOnlyList<GroupMember> Members { get; private init; } = [];

    /// <summary>For membership changes: who joined and why.</summary>
    public IReadOnlyList<GroupMemberChange> Joined { get; private init; } = [];

    /// <summary>For membership changes: who left and why.</summary>
    public IReadOnlyList<GroupMemberChange> Left { get; private init; } = [];

    internal static GroupEvent Message(int session, string group, GroupMember sender, ReadOnlyMemory<byte> payload) =>
        new(GroupEventKind.Message, session, group) { Sender = sender, Payload = payload };

    internal static GroupEvent Unknown(int session, string group, GroupMember sender, ReadOnlyMemory<byte> payload) =>
        new(GroupEventKind.MessageOutcomeUnknown, session, group) { Sender = sender, Payload = payload };

    internal static GroupEvent Changed(int session, string group, ViewId view, IReadOnlyList<GroupMember> members,
        IReadOnlyList<GroupMemberChange> joined, IReadOnlyList<GroupMemberChange> left) =>
        new(GroupEventKind.MembershipChanged, session, group)
        {
            ViewId = view,
            Members = members,
            Joined = joined,
            Left = left,
        };
}
