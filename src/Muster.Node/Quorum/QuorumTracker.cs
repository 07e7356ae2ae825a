using Muster.Core;

namespace Muster.Node.Quorum;

/// <summary>
/// One node's quorum state across views: what votequorum keeps between calls to <c>are_we_quorate</c> (expected
/// votes, the wait-for-all status, the members of the last quorate view) and last man standing's timer. Pure and
/// deterministic: views and the time come in, the status and the next deadline go out.
/// </summary>
/// <remarks>
/// Not yet here: exchanging expected votes with the other nodes (votequorum's nodeinfo messages, so that a node that
/// joins adopts the cluster's expected votes; <see cref="AdoptExpectedVotes"/> is the entry point), the arbiter's
/// vote, and the node service that feeds it views.
/// </remarks>
public sealed class QuorumTracker
{
    private readonly EffectiveQuorumOptions _options;
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

    /// <summary>The status after the last input.</summary>
    public QuorumStatus Status { get; private set; }

    /// <summary>When last man standing lowers expected votes, or <see cref="Instant.Never"/> when its timer is not running.</summary>
    public Instant LastManStandingDeadline { get; private set; } = Instant.Never;

    /// <summary>A new view is installed.</summary>
    public QuorumStatus OnView(IReadOnlyCollection<NodeId> members, Instant now)
    {
        ArgumentNullException.ThrowIfNull(members);
        var previousQuorate = _lastQuorateMembers;
        _members = [.. members];
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
