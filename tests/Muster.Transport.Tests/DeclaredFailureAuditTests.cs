using Muster.Core;
using Muster.Transport.Links;

namespace Muster.Transport.Tests;

// The counting rule of "declared failed while its link probes still answered", in virtual time.
public class DeclaredFailureAuditTests
{
    private static readonly NodeId s_b = new(2);
    private static readonly NodeId s_c = new(3);
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(300);

    private static Instant T(double ms) => Instant.Zero + TimeSpan.FromMilliseconds(ms);

    private static (LinkMonitor Links, DeclaredFailureAudit Audit) Create()
    {
        var links = new LinkMonitor(new LinkMonitorOptions
        {
            LinkCount = 2,
            ProbeInterval = TimeSpan.FromMilliseconds(100),
            LinkTimeout = s_timeout,
        }, [s_b, s_c], T(0));
        links.Tick(T(0));
        return (links, new DeclaredFailureAudit(links));
    }

    [Fact]
    public void Failed_WhileALinkAnsweredWithinTheLinkTimeout_IsCountedForThatPeerOnly()
    {
        var (links, audit) = Create();
        Assert.True(links.OnPong(s_b, 0, T(0), T(1)));

        Assert.Equal(TimeSpan.FromMilliseconds(99), audit.OnDeparture(s_b, declaredFailed: true, T(100)));

        Assert.Equal(1, audit.CountFor(s_b));
        Assert.Equal(0, audit.CountFor(s_c));
        Assert.Equal([s_b, s_c], audit.Peers);
    }

    [Fact]
    public void AnyUpLinkCounts_NotOnlyTheFirst()
    {
        var (links, audit) = Create();
        Assert.True(links.OnPong(s_b, 1, T(0), T(1)));

        Assert.NotNull(audit.OnDeparture(s_b, declaredFailed: true, T(200)));
        Assert.Equal(1, audit.CountFor(s_b));
    }

    [Fact]
    public void NoPongEver_IsNotCounted()
    {
        var (_, audit) = Create();

        Assert.Null(audit.OnDeparture(s_b, declaredFailed: true, T(100)));
        Assert.Equal(0, audit.CountFor(s_b));
    }

    [Fact]
    public void LastPongOlderThanTheLinkTimeout_IsNotCounted_EvenBeforeATickTookTheLinkDown()
    {
        var (links, audit) = Create();
        Assert.True(links.OnPong(s_b, 0, T(0), T(1)));

        // No tick since: the monitor still says "up", but the pong is 301 ms old, so the network may well be gone.
        Assert.True(links.GetState(s_b, 0).Up);
        Assert.Null(audit.OnDeparture(s_b, declaredFailed: true, T(1) + s_timeout + TimeSpan.FromMilliseconds(1)));
        // At exactly the link timeout it still counts (the same bound as the monitor's own expiry).
        Assert.NotNull(audit.OnDeparture(s_b, declaredFailed: true, T(1) + s_timeout));
        Assert.Equal(1, audit.CountFor(s_b));
    }

    [Fact]
    public void CleanLeavesAndRestarts_AreNeverCounted_EvenWithTheLinkUp()
    {
        var (links, audit) = Create();
        Assert.True(links.OnPong(s_b, 0, T(0), T(1)));

        Assert.Null(audit.OnDeparture(s_b, declaredFailed: false, T(2)));
        Assert.Equal(0, audit.CountFor(s_b));
    }

    [Fact]
    public void EveryDeclarationCounts_AndUnknownPeersAreIgnored()
    {
        var (links, audit) = Create();
        Assert.True(links.OnPong(s_c, 0, T(0), T(1)));

        audit.OnDeparture(s_c, declaredFailed: true, T(10));
        audit.OnDeparture(s_c, declaredFailed: true, T(20));
        Assert.Null(audit.OnDeparture(new NodeId(9), declaredFailed: true, T(20)));

        Assert.Equal(2, audit.CountFor(s_c));
        Assert.Equal(0, audit.CountFor(new NodeId(9)));
    }

    [Fact]
    public void SinceLastPong_IsTheFreshestOverAllLinks()
    {
        var (links, _) = Create();
        Assert.Null(links.SinceLastPong(s_b, T(5)));
        links.OnPong(s_b, 0, T(0), T(1));
        links.OnPong(s_b, 1, T(0), T(3));

        Assert.Equal(TimeSpan.FromMilliseconds(7), links.SinceLastPong(s_b, T(10)));
        Assert.Null(links.SinceLastPong(new NodeId(9), T(10)));
        Assert.Equal(s_timeout, links.LinkTimeout);
    }
}
