namespace Muster.Configuration;

/// <summary>Which node an auto tie-breaker favours (<c>quorum.auto_tie_breaker_node</c>).</summary>
public enum TieBreakerRule
{
    /// <summary><c>"lowest"</c>: the lowest node id (votequorum's default).</summary>
    Lowest,

    /// <summary><c>"highest"</c>: the highest node id.</summary>
    Highest,

    /// <summary>A list of node ids: the first one present wins.</summary>
    List,
}

/// <summary>
/// The <c>[quorum]</c> table: votequorum's options with votequorum's meaning (see docs/quorum.md). Each node's votes
/// are in its <c>[[node]]</c> entry (<see cref="NodeConfig.Votes"/>). Which combinations are refused or adjusted is
/// decided by the quorum service's own check when the daemon starts, so the rules live in one place.
/// </summary>
/// <remarks>Every key is optional; an absent table means votequorum's defaults: one vote per node, a strict majority.</remarks>
public sealed record QuorumConfig
{
    /// <summary>The largest <see cref="ExpectedVotes"/> and the largest sum of votes a cluster may have.</summary>
    public const int MaxExpectedVotes = 1_000_000;

    /// <summary><c>expected_votes</c>: overrides the sum of the configured votes; null when not set.</summary>
    public int? ExpectedVotes { get; init; }

    /// <summary><c>two_node</c>: a 2-node cluster stays quorate with one vote (implies <see cref="WaitForAll"/>).</summary>
    public bool TwoNode { get; init; }

    /// <summary><c>wait_for_all</c>: null when not set (it then follows <see cref="TwoNode"/>).</summary>
    public bool? WaitForAll { get; init; }

    /// <summary><c>last_man_standing</c>.</summary>
    public bool LastManStanding { get; init; }

    /// <summary><c>last_man_standing_window</c>: null when not set (10 s).</summary>
    public TimeSpan? LastManStandingWindow { get; init; }

    /// <summary><c>auto_tie_breaker</c>.</summary>
    public bool AutoTieBreaker { get; init; }

    /// <summary><c>auto_tie_breaker_node</c>: null when not set (lowest).</summary>
    public TieBreakerRule? TieBreakerNode { get; init; }

    /// <summary>The node ids of <c>auto_tie_breaker_node = [..]</c>, in order (empty unless <see cref="TieBreakerNode"/> is <see cref="TieBreakerRule.List"/>).</summary>
    public IReadOnlyList<uint> TieBreakerNodes { get; init; } = [];

    /// <summary><c>allow_downscale</c>: a clean leave lowers expected votes.</summary>
    public bool AllowDownscale { get; init; }

    /// <inheritdoc/>
    public bool Equals(QuorumConfig? other) =>
        other is not null && ExpectedVotes == other.ExpectedVotes && TwoNode == other.TwoNode && WaitForAll == other.WaitForAll
        && LastManStanding == other.LastManStanding && LastManStandingWindow == other.LastManStandingWindow
        && AutoTieBreaker == other.AutoTieBreaker && TieBreakerNode == other.TieBreakerNode
        && TieBreakerNodes.SequenceEqual(other.TieBreakerNodes) && AllowDownscale == other.AllowDownscale;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ExpectedVotes, TwoNode, WaitForAll, LastManStanding, AutoTieBreaker, AllowDownscale);
}
