using Muster.Core;
using Muster.Node.Quorum;

namespace Muster.Membership.Tests;

// The quorum state across views: expected votes that never fall by themselves, wait_for_all cleared once, and last
// man standing lowering expected votes one window at a time (votequorum(5): 8 -> 5 -> 3 -> 2).
public sealed class QuorumTrackerTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private static NodeId[] Ids(int count) => [.. Enumerable.Range(1, count).Select(i => new NodeId((uint)i))];

    private static QuorumTracker Tracker(int nodes, bool lastManStanding, bool waitForAll = true)
    {
        var verdict = QuorumOptionsCheck.Check(new QuorumOptions(
            Ids(nodes).ToDictionary(n => n, _ => 1), WaitForAll: waitForAll, LastManStanding: lastManStanding, LastManStandingWindow: Window));
        Assert.True(verdict.IsValid, string.Join("; ", verdict.Errors));
        return new QuorumTracker(verdict.Effective!);
    }

    private static Instant At(int seconds) => Instant.Zero + TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Last_man_standing_lowers_expected_votes_one_window_at_a_time()
    {
        var q = Tracker(8, lastManStanding: true);
        Assert.True(q.OnView(Ids(8), At(0)).Quorate);

        Assert.True(q.OnView(Ids(5), At(1)).Quorate);
        Assert.Equal(At(11), q.LastManStandingDeadline);
        // Not before the window has passed.
        Assert.Equal(8, q.OnTime(At(10)).ExpectedVotes);
        var five = q.OnTime(At(11));
        Assert.Equal((5, 3), (five.ExpectedVotes, five.Quorum));
        Assert.Equal(Instant.Never, q.LastManStandingDeadline);

        Assert.True(q.OnView(Ids(3), At(20)).Quorate);
        Assert.Equal((3, 2), (q.OnTime(At(30)).ExpectedVotes, q.Status.Quorum));

        Assert.True(q.OnView(Ids(2), At(40)).Quorate);
        Assert.Equal((2, 2), (q.OnTime(At(50)).ExpectedVotes, q.Status.Quorum));

        // The last one alone is not enough: 1 of 2.
        Assert.False(q.OnView(Ids(1), At(60)).Quorate);
        Assert.Equal(Instant.Never, q.LastManStandingDeadline);
    }

    [Fact]
    public void Without_last_man_standing_expected_votes_never_fall()
    {
        var q = Tracker(8, lastManStanding: false);
        q.OnView(Ids(8), At(0));

        Assert.True(q.OnView(Ids(5), At(1)).Quorate);
        Assert.Equal(8, q.OnTime(At(100)).ExpectedVotes);
        Assert.False(q.OnView(Ids(3), At(200)).Quorate);
    }

    [Fact]
    public void A_new_view_inside_the_window_restarts_it()
    {
        var q = Tracker(8, lastManStanding: true);
        q.OnView(Ids(8), At(0));
        q.OnView(Ids(6), At(1));
        q.OnView(Ids(5), At(5));

        Assert.Equal(At(15), q.LastManStandingDeadline);
        Assert.Equal(8, q.OnTime(At(11)).ExpectedVotes);
        Assert.Equal(5, q.OnTime(At(15)).ExpectedVotes);
    }

    [Fact]
    public void Wait_for_all_is_cleared_once_and_not_again()
    {
        var q = Tracker(3, lastManStanding: false);

        Assert.Equal(QuorumReason.WaitingForAll, q.OnView(Ids(2), At(0)).Reason);
        Assert.True(q.OnView(Ids(3), At(1)).Quorate);
        Assert.True(q.OnView(Ids(2), At(2)).Quorate);
    }

    [Fact]
    public void A_joining_node_adopts_higher_expected_votes_but_not_lower()
    {
        var q = Tracker(3, lastManStanding: false, waitForAll: false);
        q.OnView(Ids(2), At(0));

        Assert.Equal(4, q.AdoptExpectedVotes(4).ExpectedVotes);
        Assert.False(q.Status.Quorate);
        Assert.Equal(4, q.AdoptExpectedVotes(2).ExpectedVotes);
    }
}
