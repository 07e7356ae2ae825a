using Muster.Core;
using Muster.Node.Services;

namespace Muster.Node.Quorum;

/// <summary>The options and states <c>muster quorum</c> shows as flags (corosync-quorumtool's "Flags:" line).</summary>
[Flags]
public enum QuorumFlags
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>This partition is quorate.</summary>
    Quorate = 1 << 0,

    /// <summary>two_node is on (and applies: at most two members).</summary>
    TwoNode = 1 << 1,

    /// <summary>wait_for_all is on.</summary>
    WaitForAll = 1 << 2,

    /// <summary>wait_for_all is still blocking: not every node has been seen at once.</summary>
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

/// <summary>One member as the quorum service counts it.</summary>
/// <param name="Node">Its node id.</param>
/// <param name="Votes">Its votes.</param>
/// <param name="ExpectedVotes">The expected votes it announced in the view's nodeinfo (0 until it has).</param>
public readonly record struct QuorumMember(NodeId Node, int Votes, int ExpectedVotes);

/// <summary>One node's quorum state: what <c>votequorum_getinfo</c> and <c>corosync-quorumtool -s</c> report.</summary>
/// <param name="View">The view it was computed for (<see cref="ViewId.None"/> before the first).</param>
/// <param name="Quorate">This partition may act.</param>
/// <param name="ExpectedVotes">This node's expected votes.</param>
/// <param name="HighestExpected">The highest expected votes announced by a member that held quorum before this view (this node's own when none did).</param>
/// <param name="TotalVotes">The votes present.</param>
/// <param name="Quorum">The votes needed.</param>
/// <param name="Flags">Options in force and states.</param>
/// <param name="Reason">Why <paramref name="Quorate"/> is what it is.</param>
/// <param name="Members">The view's members, by node id.</param>
/// <param name="Synced">Every member's nodeinfo of this view has arrived (the figures agree across the view).</param>
public sealed record QuorumState(
    ViewId View,
    bool Quorate,
    int ExpectedVotes,
    int HighestExpected,
    int TotalVotes,
    int Quorum,
    QuorumFlags Flags,
    QuorumReason Reason,
    IReadOnlyList<QuorumMember> Members,
    bool Synced)
{
    /// <summary>True when a client would see a difference: everything but list identity.</summary>
    public bool SameAs(QuorumState? other) =>
        other is not null && View == other.View && Quorate == other.Quorate && ExpectedVotes == other.ExpectedVotes
        && HighestExpected == other.HighestExpected && TotalVotes == other.TotalVotes && Quorum == other.Quorum
        && Flags == other.Flags && Reason == other.Reason && Synced == other.Synced && Members.SequenceEqual(other.Members);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Quorate ? "quorate" : "not quorate")} in {View}: {TotalVotes} of {ExpectedVotes} expected votes, quorum {Quorum} ({Reason}; {Flags})";
}

/// <summary>The quorum state changed: the shell tells its clients (in order with the membership events).</summary>
public sealed record QuorumChanged(QuorumState State) : ServiceEffect;

/// <summary>Asks for the current <see cref="QuorumState"/> (answered with <see cref="QuorumStateResponse"/>).</summary>
public sealed record QuorumQuery : ServiceRequest;

/// <summary>The current quorum state.</summary>
public sealed record QuorumStateResponse(QuorumState State) : ServiceResponse;

/// <summary><c>muster quorum expected N</c>: sets expected votes cluster-wide (votequorum_setexpected).</summary>
/// <param name="ExpectedVotes">The new value.</param>
/// <param name="RequestedBy">The operator's uid (logged on every node).</param>
public sealed record SetExpectedVotes(int ExpectedVotes, uint RequestedBy) : ServiceRequest;

/// <summary><c>muster quorum votes NODE N</c>: sets one node's votes cluster-wide (votequorum_setvotes).</summary>
/// <param name="Node">The node.</param>
/// <param name="Votes">Its new votes.</param>
/// <param name="RequestedBy">The operator's uid.</param>
public sealed record SetNodeVotes(NodeId Node, int Votes, uint RequestedBy) : ServiceRequest;

/// <summary><c>muster quorum unblock</c>: lifts wait_for_all cluster-wide (what <c>pcs quorum unblock</c> does).</summary>
/// <param name="RequestedBy">The operator's uid.</param>
public sealed record CancelWaitForAll(uint RequestedBy) : ServiceRequest;

/// <summary>The answer to a change: accepted (sent to every member in order) or refused, with why.</summary>
/// <param name="Accepted">The change was sent; every member applies it in the total order.</param>
/// <param name="Message">What was done, or why not (names the rule).</param>
/// <param name="Override">Accepted as an operator's override on an inquorate partition (logged as such).</param>
public sealed record QuorumChangeResponse(bool Accepted, string Message, bool Override = false) : ServiceResponse;
