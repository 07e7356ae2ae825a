using Muster.Core;
using Muster.Transport.Links;

namespace Muster.Transport.Tests;

// Virtual time only: the monitor has no clock, so every test drives it through ticks and pongs.
public class LinkMonitorTests
{
    private static readonly NodeId s_b = new(2);
    private static readonly NodeId s_c = new(3);
    private static readonly TimeSpan s_probe = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan s_rtt = TimeSpan.FromMilliseconds(1);

    private static LinkMonitor Create(int links = 2, bool active = false, int[]? priorities = null) =>
        new(new LinkMonitorOptions
        {
            LinkCount = links,
            Active = active,
            Priorities = priorities ?? [],
            ProbeInterval = s_probe,
            LinkTimeout = s_timeout,
        }, [s_b, s_c], T(0));

    private static Instant T(double ms) => Instant.Zero + TimeSpan.FromMilliseconds(ms);

    // Runs the monitor from..to in probe intervals; every probe on a link in `alive` is answered after 1 ms.
    private static void Run(LinkMonitor m, double fromMs, double toMs, Func<NodeId, int, bool> alive)
    {
        for (double t = fromMs; t <= toMs; t += s_probe.TotalMilliseconds)
        {
            foreach (ProbeRequest probe in m.Tick(T(t)).ToList())
            {
                if (alive(probe.Peer, probe.Link))
                {
                    m.OnPong(probe.Peer, probe.Link, T(t), T(t) + s_rtt);
                }
            }
        }
    }

    [Fact]
    public void Start_AllDown_ProbesEveryLinkOfEveryPeer_SendsOnLinkZero()
    {
        LinkMonitor m = Create();
        IReadOnlyList<ProbeRequest> probes = m.Tick(T(0));
        Assert.Equal(4, probes.Count);
        Assert.Equal([(s_b, 0), (s_b, 1), (s_c, 0), (s_c, 1)], probes.Select(p => (p.Peer, p.Link)));
        Assert.Equal(T(100), m.NextDeadline);
        Assert.Empty(m.Tick(T(50)));
        Assert.False(m.GetState(s_b, 0).Up);
        Assert.Equal(0, m.Select(s_b));
    }

    [Fact]
    public void Pong_BringsLinkUp_WithRtt_AndReportsTheChange()
    {
        LinkMonitor m = Create();
        m.Tick(T(0));
        Assert.True(m.OnPong(s_b, 1, T(0), T(2)));
        LinkState s = m.GetState(s_b, 1);
        Assert.True(s.Up);
        Assert.Equal(TimeSpan.FromMilliseconds(2), s.Rtt);
        Assert.Equal(T(2), s.LastChange);
        Assert.Equal(new LinkChange(s_b, 1, true, T(2), TimeSpan.FromMilliseconds(2)), Assert.Single(m.Changes));
        // Link 0 is still down, so passive mode sends on link 1.
        Assert.Equal(1, m.Select(s_b));
        Assert.Equal(0, m.Select(s_c));
    }

    [Fact]
    public void Passive_FailsOverWithinTimeoutPlusOneProbe_AndFailsBack()
    {
        LinkMonitor m = Create();
        Run(m, 0, 1000, (_, _) => true);
        Assert.Equal(0, m.Select(s_b));
        m.ClearChanges();

        // Link 0 to b dies just after the pong of t=1000 (heard at 1001).
        Run(m, 1100, 2000, (peer, link) => peer != s_b || link != 0);
        LinkChange down = Assert.Single(m.Changes);
        Assert.Equal((s_b, 0, false), (down.Peer, down.Link, down.Up));
        Assert.True(down.At - T(1001) <= s_timeout + s_probe, $"noticed at {down.At}");
        Assert.True(down.At - T(1001) > s_timeout);
        Assert.Equal(1, m.Select(s_b));
        Assert.Equal(0, m.Select(s_c));
        Assert.True(m.IsReachable(s_b));
        m.ClearChanges();

        Run(m, 2100, 2100, (_, _) => true);
        Assert.True(Assert.Single(m.Changes).Up);
        Assert.Equal(0, m.Select(s_b));
        LinkState s = m.GetState(s_b, 0);
        Assert.Equal(2, s.UpTransitions);
        Assert.Equal(1, s.DownTransitions);
        Assert.Equal(5, m.UpTransitions);
        Assert.Equal(1, m.DownTransitions);
    }

    [Fact]
    public void Passive_PrefersHigherPriority_TiesGoToLowerIndex()
    {
        LinkMonitor m = Create(links: 3, priorities: [1, 5, 5]);
        Run(m, 0, 200, (_, _) => true);
        Assert.Equal(1, m.Select(s_b));
        Run(m, 300, 1000, (_, link) => link != 1);
        Assert.Equal(2, m.Select(s_b));
        Run(m, 1100, 2000, (_, link) => link == 0);
        Assert.Equal(0, m.Select(s_b));
    }

    [Fact]
    public void AllDown_SendsOnTheHighestPriorityLink()
    {
        LinkMonitor m = Create(priorities: [1, 2]);
        Run(m, 0, 200, (_, _) => true);
        Run(m, 300, 1000, (_, _) => false);
        Assert.False(m.IsReachable(s_b));
        Assert.Equal(1, m.Select(s_b));
        Assert.Equal(1, Create(active: true, priorities: [1, 2]).Select(s_b));
    }

    [Fact]
    public void Active_RoundRobinsOverUpLinksOnly()
    {
        LinkMonitor m = Create(links: 3, active: true);
        Run(m, 0, 200, (_, _) => true);
        Assert.Equal([0, 1, 2, 0, 1, 2], Enumerable.Range(0, 6).Select(_ => m.Select(s_b)));
        Run(m, 300, 1000, (_, link) => link != 1);
        Assert.Equal([0, 2, 0, 2], Enumerable.Range(0, 4).Select(_ => m.Select(s_b)));
        // Each peer has its own rotation.
        Assert.Equal(0, m.Select(s_c));
    }

    [Fact]
    public void Flapping_EveryTransitionIsCounted_AndTheLinkEndsWhereTheLastPongLeftIt()
    {
        LinkMonitor m = Create();
        double t = 0;
        for (int cycle = 0; cycle < 5; cycle++)
        {
            Run(m, t, t + 100, (_, _) => true);
            Run(m, t + 200, t + 800, (_, link) => link != 0);
            t += 900;
        }
        LinkState s = m.GetState(s_b, 0);
        Assert.Equal(5, s.UpTransitions);
        Assert.Equal(5, s.DownTransitions);
        Assert.False(s.Up);
        Assert.Null(s.Rtt);
        Assert.True(m.GetState(s_b, 1).Up);
        Assert.Equal(1, m.GetState(s_b, 1).UpTransitions);
        Assert.Equal(1, m.Select(s_b));
    }

    [Fact]
    public void OneLostProbe_DoesNotTakeALinkDown()
    {
        LinkMonitor m = Create();
        Run(m, 0, 500, (_, _) => true);
        m.ClearChanges();
        int n = 0;
        Run(m, 600, 2000, (_, _) => n++ % 8 != 0);
        Assert.Empty(m.Changes);
    }

    [Fact]
    public void Rtt_IsSmoothed()
    {
        LinkMonitor m = Create();
        m.Tick(T(0));
        m.OnPong(s_b, 0, T(0), T(8));
        m.Tick(T(100));
        m.OnPong(s_b, 0, T(100), T(116));
        Assert.Equal(TimeSpan.FromMilliseconds(9), m.GetState(s_b, 0).Rtt);
    }

    [Theory]
    [InlineData(2u, 2, 0, 1)]       // no such link
    [InlineData(9u, 0, 0, 1)]       // no such peer
    [InlineData(2u, 0, 5, 1)]       // sent in the future
    [InlineData(2u, 0, 0, 400)]     // older than the link timeout
    [InlineData(2u, -1, 0, 1)]
    public void ImpossiblePongs_AreIgnoredAndCounted(uint peer, int link, double sentMs, double nowMs)
    {
        LinkMonitor m = Create();
        Assert.False(m.OnPong(new NodeId(peer), link, T(sentMs), T(nowMs)));
        Assert.Equal(1, m.IgnoredPongs);
        Assert.Empty(m.Changes);
        Assert.Equal(0, m.Select(s_b));
    }

    [Fact]
    public void Ping_IsCountedForKnownLinksOnly()
    {
        LinkMonitor m = Create();
        Assert.True(m.OnPing(s_b, 1));
        Assert.False(m.OnPing(s_b, 2));
        Assert.False(m.OnPing(new NodeId(7), 0));
        Assert.Equal(1, m.GetState(s_b, 1).PingsReceived);
    }

    [Fact]
    public void BadOptions_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(links: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(links: 9));
        Assert.Throws<ArgumentException>(() => Create(links: 2, priorities: [1]));
        Assert.Throws<ArgumentException>(() => new LinkMonitor(
            new LinkMonitorOptions { LinkCount = 1, ProbeInterval = s_probe, LinkTimeout = s_timeout }, [s_b, s_b], T(0)));
    }
}
