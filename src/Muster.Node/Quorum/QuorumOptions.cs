using Muster.Core;

namespace Muster.Node.Quorum;

/// <summary>
/// The quorum settings as configured (<c>[quorum]</c> in muster.toml), with votequorum's meaning. Check them with
/// <see cref="QuorumOptionsCheck.Check"/>, which refuses what votequorum refuses and applies what it adjusts.
/// </summary>
/// <param name="Votes">Every configured node and its votes (default 1 each).</param>
/// <param name="ExpectedVotes">
/// <c>quorum.expected_votes</c>: overrides the sum of the configured votes when set (votequorum's
/// <c>expected_votes</c>).
/// </param>
/// <param name="TwoNode"><c>quorum.two_node</c>: a 2-node cluster stays quorate with one vote.</param>
/// <param name="WaitForAll">
/// <c>quorum.wait_for_all</c>: null when not set, in which case it follows <paramref name="TwoNode"/>, as votequorum's
/// autoset does.
/// </param>
/// <param name="LastManStanding"><c>quorum.last_man_standing</c>.</param>
/// <param name="LastManStandingWindow"><c>quorum.last_man_standing_window</c> (votequorum's default is 10 s).</param>
/// <param name="AutoTieBreaker"><c>quorum.auto_tie_breaker</c> with its node rule; null when off.</param>
/// <param name="AllowDownscale"><c>quorum.allow_downscale</c>.</param>
/// <param name="Arbiter"><c>[quorum.arbiter]</c> is configured (votequorum's quorum device).</param>
/// <param name="TieBreakerNodeWithoutAutoTieBreaker">
/// <c>quorum.auto_tie_breaker_node</c> was given while <c>auto_tie_breaker</c> is off (it means nothing then).
/// </param>
public sealed record QuorumOptions(
    IReadOnlyDictionary<NodeId, int> Votes,
    int? ExpectedVotes = null,
    bool TwoNode = false,
    bool? WaitForAll = null,
    bool LastManStanding = false,
    TimeSpan? LastManStandingWindow = null,
    TieBreaker? AutoTieBreaker = null,
    bool AllowDownscale = false,
    bool Arbiter = false,
    bool TieBreakerNodeWithoutAutoTieBreaker = false)
{
    /// <summary>votequorum's default <c>last_man_standing_window</c>.</summary>
    public static readonly TimeSpan DefaultLastManStandingWindow = TimeSpan.FromSeconds(10);

    /// <summary>The sum of the configured votes.</summary>
    public int TotalConfiguredVotes => Votes.Values.Sum();
}

/// <summary>The settings in force after <see cref="QuorumOptionsCheck.Check"/>: every adjustment votequorum makes applied.</summary>
/// <param name="Votes">Every configured node and its votes.</param>
/// <param name="ExpectedVotes">The expected votes at start: <c>expected_votes</c> if set, else the sum of the votes.</param>
/// <param name="TwoNode">Two-node mode is on.</param>
/// <param name="WaitForAll">Wait-for-all is on (set, or implied by two-node mode).</param>
/// <param name="LastManStanding">Last man standing is on.</param>
/// <param name="LastManStandingWindow">Its window.</param>
/// <param name="AutoTieBreaker">The tie-breaker, or null when off.</param>
/// <param name="AllowDownscale">Allow-downscale is on.</param>
/// <param name="Arbiter">An arbiter is configured.</param>
public sealed record EffectiveQuorumOptions(
    IReadOnlyDictionary<NodeId, int> Votes,
    int ExpectedVotes,
    bool TwoNode,
    bool WaitForAll,
    bool LastManStanding,
    TimeSpan LastManStandingWindow,
    TieBreaker? AutoTieBreaker,
    bool AllowDownscale,
    bool Arbiter);
