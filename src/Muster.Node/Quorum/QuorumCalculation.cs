using Muster.Core;

namespace Muster.Node.Quorum;

/// <summary>Why a partition is quorate or not (what <c>muster quorum</c> says).</summary>
public enum QuorumReason
{
    /// <summary>Its votes reach quorum.</summary>
    EnoughVotes,

    /// <summary>Two-node mode: one vote of two suffices.</summary>
    TwoNode,

    /// <summary>An even split, and this side holds the tie-breaker node.</summary>
    TieBreaker,

    /// <summary>Its votes are below quorum.</summary>
    NotEnoughVotes,

    /// <summary>Wait-for-all: not every node has been seen at once since the cluster started.</summary>
    WaitingForAll,
}

/// <summary>What one partition sees, for <see cref="QuorumCalculation.Evaluate"/>.</summary>
/// <param name="Members">The nodes of the installed view.</param>
/// <param name="LastQuorateMembers">
/// The members when this node was last quorate (votequorum's previous quorum members); last man standing arms its
/// window when some of them are gone. Empty when this node has never been quorate.
/// </param>
/// <param name="ExpectedVotes">The expected votes so far (they rise with the votes seen and never fall by themselves).</param>
/// <param name="WaitingForAll">Wait-for-all is still blocking: all nodes have not yet been seen at once.</param>
/// <param name="ArbiterVotes">Votes the arbiter gives this partition now (0 without an arbiter or its vote).</param>
public readonly record struct QuorumInputs(
    IReadOnlyCollection<NodeId> Members,
    IReadOnlyCollection<NodeId> LastQuorateMembers,
    int ExpectedVotes,
    bool WaitingForAll,
    int ArbiterVotes = 0);

/// <summary>The outcome of <see cref="QuorumCalculation.Evaluate"/>: votequorum's <c>votequorum_getinfo</c> figures.</summary>
/// <param name="TotalVotes">The votes present: the members' plus the arbiter's.</param>
/// <param name="ExpectedVotes">The expected votes after this view (raised to <paramref name="TotalVotes"/> if those are more).</param>
/// <param name="Quorum">The votes needed: <c>max(expected / 2 + 1, total / 2 + 1)</c>, or 1 in two-node mode.</param>
/// <param name="Quorate">This partition may act.</param>
/// <param name="WaitingForAll">Wait-for-all still blocks after this view.</param>
/// <param name="Reason">Why <paramref name="Quorate"/> is what it is.</param>
public sealed record QuorumStatus(int TotalVotes, int ExpectedVotes, int Quorum, bool Quorate, bool WaitingForAll, QuorumReason Reason);

/// <summary>
/// votequorum's arithmetic (<c>calculate_quorum</c> and <c>are_we_quorate</c> in Corosync's <c>exec/votequorum.c</c>) as a
/// pure function of the settings and what a partition sees. The quorum service keeps the state between views
/// (expected votes, wait-for-all, the last quorate members) and feeds it back in.
/// </summary>
public static class QuorumCalculation
{
    /// <summary>The OpenVMS quorum rule: a strict majority of the larger of expected and present votes.</summary>
    public static int Majority(int expectedVotes, int totalVotes) => Math.Max(expectedVotes / 2 + 1, totalVotes / 2 + 1);

    /// <summary>Evaluates one partition's quorum.</summary>
    public static QuorumStatus Evaluate(EffectiveQuorumOptions options, QuorumInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inputs.Members);
        ArgumentNullException.ThrowIfNull(inputs.LastQuorateMembers);

        int memberVotes = Votes(options, inputs.Members);
        int total = memberVotes + inputs.ArbiterVotes;
        // Expected votes rise to the votes seen (a node that joins brings its votes) and never fall by themselves.
        int expected = Math.Max(inputs.ExpectedVotes, total);
        int majority = Majority(expected, total);
        // votequorum: two_node applies while at most two nodes are members.
        bool twoNode = options.TwoNode && inputs.Members.Count <= 2;
        int quorum = twoNode ? 1 : majority;

        if (inputs.WaitingForAll && options.WaitForAll)
        {
            if (total < expected)
            {
                return new QuorumStatus(total, expected, quorum, false, true, QuorumReason.WaitingForAll);
            }
        }

        if (total >= quorum)
        {
            return new QuorumStatus(total, expected, quorum, true, false, total < majority ? QuorumReason.TwoNode : QuorumReason.EnoughVotes);
        }

        if (options.AutoTieBreaker is { } tieBreaker && total * 2 == expected)
        {
            // Chosen among every configured node, not among the last quorate view's members as votequorum's code does:
            // the two halves of a split need not share that history (a node cut off earlier remembers an older view),
            // and then both could hold "their" tie-breaker (the simulator's seed 915). The other half can only be
            // quorate too if it holds the other half of the votes, so the two halves together are the whole
            // configuration, and a choice over it is the same on both sides.
            var chosen = tieBreaker.Choose([.. options.Votes.Keys]);
            if (chosen != NodeId.None && inputs.Members.Contains(chosen))
            {
                return new QuorumStatus(total, expected, quorum, true, false, QuorumReason.TieBreaker);
            }
        }

        return new QuorumStatus(total, expected, quorum, false, false, QuorumReason.NotEnoughVotes);
    }

    private static int Votes(EffectiveQuorumOptions options, IEnumerable<NodeId> nodes)
    {
        int votes = 0;
        foreach (var node in nodes)
        {
            // A node outside the configuration has no votes (the membership refuses such nodes anyway).
            votes += options.Votes.TryGetValue(node, out int v) ? v : 0;
        }

        return votes;
    }
}
