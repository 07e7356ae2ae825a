namespace Muster.Node.Quorum;

/// <summary>What <see cref="QuorumOptionsCheck.Check"/> found: errors refuse the configuration; warnings do not.</summary>
/// <param name="Effective">The settings in force when there is no error; null otherwise.</param>
/// <param name="Errors">Why the configuration is refused, each naming the keys involved.</param>
/// <param name="Warnings">What was adjusted or means nothing, each naming the keys involved.</param>
public sealed record QuorumOptionsVerdict(EffectiveQuorumOptions? Effective, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    /// <summary>True when the configuration is usable.</summary>
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// The rules votequorum applies to its options when it starts (<c>votequorum_readconfig</c> in Corosync's
/// <c>exec/votequorum.c</c>, and votequorum(5)), as one pure function. Where votequorum refuses to start, this
/// returns an error; where it only logs and switches an option off, this returns a warning and switches it off too,
/// so a configuration means the same in both. One rule is stricter: last man standing with a node of more than one
/// vote is refused (votequorum only disables it once such a node joins, which changes behaviour at run time).
/// docs/quorum.md lists every rule.
/// </summary>
public static class QuorumOptionsCheck
{
    /// <summary>Checks <paramref name="options"/> and returns the settings in force, or why there are none.</summary>
    public static QuorumOptionsVerdict Check(QuorumOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var warnings = new List<string>();

        if (options.Votes.Count == 0)
        {
            errors.Add("[[node]]: no node is configured, so there are no votes to count");
        }

        foreach (var (node, votes) in options.Votes)
        {
            if (votes < 0)
            {
                errors.Add($"[[node]] votes: node {node} has {votes} votes; votes must be 0 or more");
            }
        }

        if (options.ExpectedVotes is < 1)
        {
            errors.Add($"quorum.expected_votes: {options.ExpectedVotes} is not a positive number of votes");
        }

        if (options.LastManStandingWindow is { } window && window <= TimeSpan.Zero)
        {
            errors.Add($"quorum.last_man_standing_window: {window} is not a positive duration");
        }

        // The arbiter is votequorum's quorum device: each of these settles a split its own way.
        if (options.Arbiter)
        {
            if (options.TwoNode)
            {
                errors.Add("quorum.two_node and [quorum.arbiter] cannot both be set: two_node settles a split by a fence race, the arbiter by its vote");
            }

            if (options.LastManStanding)
            {
                errors.Add("quorum.last_man_standing and [quorum.arbiter] cannot both be set: the arbiter's lms algorithm is how last man standing works with an arbiter");
            }

            if (options.AutoTieBreaker is not null)
            {
                errors.Add("quorum.auto_tie_breaker and [quorum.arbiter] cannot both be set: the arbiter breaks ties itself (its tie_breaker)");
            }

            if (options.AllowDownscale)
            {
                errors.Add("quorum.allow_downscale and [quorum.arbiter] cannot both be set");
            }
        }

        if (options.LastManStanding)
        {
            var heavy = options.Votes.Where(v => v.Value > 1).Select(v => v.Key).Order().ToList();
            if (heavy.Count > 0)
            {
                errors.Add($"quorum.last_man_standing and [[node]] votes: last man standing needs 1 vote per node, but node {string.Join(", ", heavy)} has more");
            }
        }

        bool twoNode = options.TwoNode;
        // votequorum: wait_for_all follows two_node unless it was set explicitly.
        bool waitForAll = options.WaitForAll ?? twoNode;
        var tieBreaker = options.AutoTieBreaker;
        int expected = options.ExpectedVotes ?? options.TotalConfiguredVotes;

        if (options.TieBreakerNodeWithoutAutoTieBreaker && tieBreaker is null)
        {
            warnings.Add("quorum.auto_tie_breaker_node is set but quorum.auto_tie_breaker is off, so it has no effect");
        }

        if (tieBreaker is { Kind: TieBreakerKind.List, Nodes.Count: 0 })
        {
            errors.Add("quorum.auto_tie_breaker_node: the node list is empty; give node ids, or \"lowest\" or \"highest\"");
        }
        else if (tieBreaker is { Kind: TieBreakerKind.List })
        {
            var unknown = tieBreaker.Nodes.Where(n => !options.Votes.ContainsKey(n)).ToList();
            if (unknown.Count > 0)
            {
                errors.Add($"quorum.auto_tie_breaker_node: node {string.Join(", ", unknown)} is not in the node list");
            }
            else if (tieBreaker.Nodes.Count > 1 && options.AutoTieBreaker is not null)
            {
                warnings.Add($"quorum.auto_tie_breaker_node: only the first listed node ({tieBreaker.Nodes[0]}) decides an even split; "
                    + "falling back to the next ones would need a history of views the two halves may not share (docs/quorum.md)");
            }
        }

        // votequorum switches two_node off when both are set: two_node decides by fence race, ATB by node id.
        if (twoNode && tieBreaker is not null)
        {
            warnings.Add("quorum.two_node and quorum.auto_tie_breaker are both set; they do not work together, so two_node is off (as votequorum does)");
            twoNode = false;
            waitForAll = options.WaitForAll ?? false;
        }

        if (twoNode && options.Votes.Count > 2)
        {
            // wait_for_all stays as two_node implied it: the configuration asked for it.
            warnings.Add($"quorum.two_node is set but {options.Votes.Count} nodes are configured, so two_node is off; it is for a cluster of 2 nodes");
            twoNode = false;
        }

        // An odd-sized cluster with ATB needs wait_for_all, or a restarted half+1 without the tie-breaker node would
        // be quorate on its own.
        if (tieBreaker is not null && expected % 2 == 1 && !waitForAll)
        {
            if (options.LastManStanding)
            {
                errors.Add("quorum.auto_tie_breaker and quorum.last_man_standing: not available together in a cluster of odd expected votes without quorum.wait_for_all; turn last_man_standing off and wait_for_all on");
            }
            else
            {
                warnings.Add("quorum.auto_tie_breaker is set in a cluster of odd expected votes without quorum.wait_for_all, so auto_tie_breaker is off (as votequorum does); set wait_for_all = true to keep it");
                tieBreaker = null;
            }
        }

        if (options.LastManStanding && !waitForAll)
        {
            warnings.Add("quorum.last_man_standing without quorum.wait_for_all: after a full restart a minority could become quorate; votequorum(5) recommends wait_for_all");
        }

        if (options.ExpectedVotes is { } set && set < options.TotalConfiguredVotes)
        {
            warnings.Add($"quorum.expected_votes = {set} is below the {options.TotalConfiguredVotes} votes of the node list; expected votes rise to the votes seen once those nodes join");
        }

        if (errors.Count > 0)
        {
            return new QuorumOptionsVerdict(null, errors, warnings);
        }

        var effective = new EffectiveQuorumOptions(
            options.Votes, expected, twoNode, waitForAll, options.LastManStanding,
            options.LastManStandingWindow ?? QuorumOptions.DefaultLastManStandingWindow, tieBreaker, options.AllowDownscale, options.Arbiter);
        return new QuorumOptionsVerdict(effective, errors, warnings);
    }
}
