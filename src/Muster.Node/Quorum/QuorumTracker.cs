using Muster.Core;

namespace Muster.Node.Quorum;

/// <summary>
/// One node's quorum state across views: what votequorum keeps between calls to <c>are_we_quorate</c> (expected
/// votes, the wait-for-all status, the members of the last quorate view) and last man standing's timer. Pure and
/// deterministic: views and the time come in, the status and the next deadline go out.
/// </summary>
/// <remarks>
/// The quorum service (<see cref="QuorumService"/>) feeds it views, the other members' nodeinfo and the operator's
/// changes. Not yet here: the arbiter's vote.
/// </remarks>
public sealed class QuorumTracker
{
    private EffectiveQuorumOptions _options;
    private IReadOnlyCollection<NodeId> _members = [];
    private IReadOnlyCollection<NodeId> _lastQuorateMembers = [];
    private int _expectedVotes;
    private bool _waitingForAll;

    /// <summary>Starts with no view: inquorate, waiting for all nodes if wait-for-all is on.</summary>
    public QuorumTracker(EffectiveQuorumOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _expectedVotes = options.ExpectedVotes;
        _waitingForAll = options.WaitForAll;
        Status = QuorumCalculation.Evaluate(options, Inputs());
    }

    /// <summary>The settings in force, with each node's current votes.</summary>
    public EffectiveQuorumOptions Options => _options;

    /// <summary>The members of the view last seen.</summary>
    public IReadOnlyCollection<NodeId> Members => _members;

    /// <summary>The status after the last input.</summary>
    public QuorumStatus Status { get; private set; }

    /// <summary>When last man standing lowers expected votes, or <see cref="Instant.Never"/> when its timer is not running.</summary>
    public Instant LastManStandingDeadline { get; private set; } = Instant.Never;

    /// <summary>A new view is installed.</summary>
    /// <param name="members">Its members.</param>
    /// <param name="now">When.</param>
    /// <param name="cleanlyDepartedVotes">
    /// The votes of the nodes that left the previous view cleanly: with allow_downscale, expected votes drop by them
    /// (never below the votes present); without it a clean leave keeps expected votes, as votequorum does.
    /// </param>
    public QuorumStatus OnView(IReadOnlyCollection<NodeId> members, Instant now, int cleanlyDepartedVotes = 0)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfNegative(cleanlyDepartedVotes);
        var previousQuorate = _lastQuorateMembers;
        _members = [.. members];
        if (_options.AllowDownscale && cleanlyDepartedVotes > 0)
        {
            _expectedVotes = Math.Max(1, _expectedVotes - cleanlyDepartedVotes);
        }

        Evaluate();

        // votequorum arms the timer when nodes left a quorate view and enough remain, or when a tie-breaker split
        // leaves this side holding the tie-breaker node. A new view restarts the window.
        if (_options.LastManStanding)
        {
            bool someLeft = previousQuorate.Any(n => !_members.Contains(n));
            bool tieBreakerSide = Status.Reason == QuorumReason.TieBreaker;
            if ((someLeft && _members.Count >= Status.Quorum) || tieBreakerSide)
            {
                LastManStandingDeadline = now + _options.LastManStandingWindow;
            }
        }

        return Status;
    }

    /// <summary>Time passed; at the last-man-standing deadline, a quorate partition lowers expected votes to its own.</summary>
    public QuorumStatus OnTime(Instant now)
    {
        if (now >= LastManStandingDeadline)
        {
            LastManStandingDeadline = Instant.Never;
            if (Status.Quorate)
            {
                // One step: down to the votes present now, never below 1.
                _expectedVotes = Math.Max(1, Status.TotalVotes);
                Evaluate();
            }
        }

        return Status;
    }

    /// <summary>The cluster's expected votes, from a member that is already quorate; a joining node adopts them if higher.</summary>
    public QuorumStatus AdoptExpectedVotes(int clusterExpectedVotes)
    {
        if (clusterExpectedVotes > _expectedVotes)
        {
            _expectedVotes = clusterExpectedVotes;
            Evaluate();
        }

        return Status;
    }

    /// <summary>
    /// Sets expected votes (an operator's <c>muster quorum expected</c>, or a quorate member's when this node was not
    /// quorate): unlike <see cref="AdoptExpectedVotes"/> it may lower them, but never below the votes present.
    /// </summary>
    public QuorumStatus SetExpectedVotes(int expectedVotes)
    {
        _expectedVotes = Math.Max(1, expectedVotes);
        Evaluate();
        return Status;
    }

    /// <summary>A node's votes changed (its nodeinfo said so, or an operator's <c>muster quorum votes</c>).</summary>
    public QuorumStatus SetVotes(NodeId node, int votes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(votes);
        if (_options.Votes.TryGetValue(node, out int current) && current == votes)
        {
            return Status;
        }

        var table = new Dictionary<NodeId, int>(_options.Votes) { [node] = votes };
        _options = _options with { Votes = table };
        Evaluate();
        return Status;
    }

    /// <summary>Wait-for-all is lifted: an operator's <c>muster quorum unblock</c>, or a member that is quorate with it lifted.</summary>
    public QuorumStatus CancelWaitForAll()
    {
        _waitingForAll = false;
        Evaluate();
        return Status;
    }

    private void Evaluate()
    {
        var status = QuorumCalculation.Evaluate(_options, Inputs());
        // Never below what went in (the calculation only raises expected votes), so only last man standing, by
        // lowering _expectedVotes before evaluating, makes them fall.
        _expectedVotes = status.ExpectedVotes;

        _waitingForAll = status.WaitingForAll;
        if (status.Quorate)
        {
            _lastQuorateMembers = _members;
        }

        Status = status;
    }

    private QuorumInputs Inputs() => new(_members, _lastQuorateMembers, _expectedVotes, _waitingForAll);
}
