using Muster.Core;

namespace Muster.Membership;

/// <summary>An installed membership view: its id, members sorted by node id, and the wire version it speaks.</summary>
public sealed class View
{
    /// <summary>Creates a view.</summary>
    public View(ViewId id, IReadOnlyList<MemberId> members, byte protocolVersion)
    {
        Id = id;
        Members = members;
        ProtocolVersion = protocolVersion;
    }

    /// <summary>The view's id.</summary>
    public ViewId Id { get; }

    /// <summary>Members in node id order.</summary>
    public IReadOnlyList<MemberId> Members { get; }

    /// <summary>The wire protocol version agreed for this view.</summary>
    public byte ProtocolVersion { get; }

    /// <summary>The sequencer (and coordinator) of this view: its lowest node.</summary>
    public NodeId Sequencer => Id.Coordinator;

    /// <summary>True when <paramref name="node"/> is a member (any incarnation).</summary>
    public bool Contains(NodeId node) => TryGetMember(node, out _);

    /// <summary>Finds the member for a node.</summary>
    public bool TryGetMember(NodeId node, out MemberId member)
    {
        foreach (var m in Members)
        {
            if (m.Node == node)
            {
                member = m;
                return true;
            }
        }

        member = default;
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Id} [{string.Join(' ', Members)}]";
}

/// <summary>Why a member joined or left a view.</summary>
public enum MemberChangeReason : byte
{
    /// <summary>A node that was in no view joined.</summary>
    Joined = 1,
    /// <summary>A node that was in another view merged in (a partition healed).</summary>
    Merged = 2,
    /// <summary>The member left cleanly.</summary>
    Left = 3,
    /// <summary>The member failed (no heartbeat within the failure timeout, or stopped answering).</summary>
    Failed = 4,
    /// <summary>The member's node restarted: this incarnation is gone, the new one joins in a later view.</summary>
    Restarted = 5,
    /// <summary>The member is alive but not connected both ways with the rest.</summary>
    Unreachable = 6,
}

/// <summary>One member's change in a view change.</summary>
public readonly record struct MemberChange(MemberId Member, MemberChangeReason Reason);

/// <summary>A view change as every node delivers it: the new view, who joined, who left and why.</summary>
public sealed record ViewChange(View View, View? PreviousView, IReadOnlyList<MemberChange> Joined, IReadOnlyList<MemberChange> Left)
{
    /// <inheritdoc/>
    public override string ToString()
    {
        string joined = Joined.Count == 0 ? "" : $"; joined: {string.Join(", ", Joined.Select(j => $"{j.Member} ({j.Reason})"))}";
        string left = Left.Count == 0 ? "" : $"; left: {string.Join(", ", Left.Select(l => $"{l.Member} ({l.Reason})"))}";
        return $"view {View}{joined}{left}";
    }
}
