using Muster.Core;

namespace Muster.Client;

/// <summary>The quorum flags (corosync-quorumtool's "Flags:" line, votequorum_info's flags).</summary>
[Flags]
public enum QuorumFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>The partition is quorate (VOTEQUORUM_INFO_QUORATE).</summary>
    Quorate = 1 << 0,
    /// <summary>two_node is on and applies (VOTEQUORUM_INFO_TWONODE).</summary>
    TwoNode = 1 << 1,
    /// <summary>wait_for_all is on (VOTEQUORUM_INFO_WAIT_FOR_ALL).</summary>
    WaitForAll = 1 << 2,
    /// <summary>wait_for_all still blocks: not every node has been seen since the cluster started.</summary>
    WaitingForAll = 1 << 3,
    /// <summary>last_man_standing is on (VOTEQUORUM_INFO_LAST_MAN_STANDING).</summary>
    LastManStanding = 1 << 4,
    /// <summary>auto_tie_breaker is on (VOTEQUORUM_INFO_AUTO_TIE_BREAKER).</summary>
    AutoTieBreaker = 1 << 5,
    /// <summary>allow_downscale is on (VOTEQUORUM_INFO_ALLOW_DOWNSCALE).</summary>
    AllowDownscale = 1 << 6,
    /// <summary>An arbiter is configured (VOTEQUORUM_INFO_QDEVICE_REGISTERED).</summary>
    Arbiter = 1 << 7,
}

/// <summary>Why a partition is quorate or not.</summary>
public enum QuorumReason
{
    /// <summary>Its votes reach quorum.</summary>
    EnoughVotes = 1,
    /// <summary>two_node: one vote of two suffices.</summary>
    TwoNode = 2,
    /// <summary>An even split, and this side holds the tie-breaker node.</summary>
    TieBreaker = 3,
    /// <summary>Its votes are below quorum.</summary>
    NotEnoughVotes = 4,
    /// <summary>wait_for_all: not every node has been seen since the cluster started.</summary>
    WaitingForAll = 5,
}

/// <summary>One member as quorum counts it (votequorum_node_t).</summary>
/// <param name="NodeId">Its node id.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Votes">Its votes.</param>
/// <param name="ExpectedVotes">The expected votes it announced for this view (0 until it has).</param>
public sealed record QuorumNode(NodeId NodeId, string Name, int Votes, int ExpectedVotes);

/// <summary>A node's quorum state (votequorum_getinfo, quorum_getquorate).</summary>
/// <param name="ViewId">The view it was computed for (AIS/Corosync ring id).</param>
/// <param name="Quorate">The partition may act (quorum_getquorate).</param>
/// <param name="ExpectedVotes">This node's expected votes.</param>
/// <param name="HighestExpected">The highest expected votes a quorate member announced.</param>
/// <param name="TotalVotes">The votes present.</param>
/// <param name="Quorum">The votes needed.</param>
/// <param name="Flags">Options in force and states.</param>
/// <param name="Reason">Why <paramref name="Quorate"/> is what it is.</param>
/// <param name="Synced">Every member's figures for this view have arrived, so every member of the view agrees.</param>
/// <param name="Nodes">The members, by node id.</param>
public sealed record QuorumInfo(
    ViewId ViewId, bool Quorate, int ExpectedVotes, int HighestExpected, int TotalVotes, int Quorum, QuorumFlags Flags,
    QuorumReason Reason, bool Synced, IReadOnlyList<QuorumNode> Nodes)
{
    /// <inheritdoc/>
    public bool Equals(QuorumInfo? other) =>
        other is not null && ViewId == other.ViewId && Quorate == other.Quorate && ExpectedVotes == other.ExpectedVotes
        && HighestExpected == other.HighestExpected && TotalVotes == other.TotalVotes && Quorum == other.Quorum
        && Flags == other.Flags && Reason == other.Reason && Synced == other.Synced && Nodes.SequenceEqual(other.Nodes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ViewId, Quorate, ExpectedVotes, TotalVotes, Quorum, Flags);
}

/// <summary>A quorum change that was accepted: every member applies it in the total order.</summary>
/// <param name="Message">What was done ("expected votes set to 2 (was 3)").</param>
/// <param name="Override">It overrode quorum on purpose (an inquorate partition, or wait_for_all lifted); logged as such.</param>
public sealed record QuorumChangeResult(string Message, bool Override);
