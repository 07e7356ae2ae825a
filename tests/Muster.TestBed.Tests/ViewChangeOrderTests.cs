using System.Text;

namespace Muster.TestBed.Tests;

[Collection(TestBedCollection.Name)]
public class ViewChangeOrderTests
{
    // Per sender instance; three senders give 450 messages/s, so that several are in flight at every view change.
    private const double RatePerSender = 150;

    // How long traffic runs in each phase (between faults): pacing of the scenario, not synchronisation; every
    // step waits for the views it needs with a deadline.
    private static readonly TimeSpan s_phase = TimeSpan.FromSeconds(2);

    // The partition starts one way, as when a link fails in one direction first: well below the failure timeout, so
    // nobody notices before it is complete.
    private static readonly TimeSpan s_oneWayFirst = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Senders on every node multicast without pause through a partition that cuts off the sequencer (n1 | n2 n3; its
    /// own packets are dropped 200 ms before the packets to it), its heal, a SIGKILL of the sequencer and its restart. Every receiver's sequence is then checked
    /// (<see cref="OrderedTraffic.Check()"/>): one global order across views (any two messages two receivers both
    /// delivered come in the same relative order at both), no duplicates, each sender's messages in the order sent,
    /// every live sender received back everything it sent, and no loss where virtual synchrony promises delivery:
    /// a message is owed to a receiver when the receiver was in the configuration its sender received it back in and
    /// both moved on from that configuration together (so not across the partition, and not from a node killed
    /// right after). The sequencer is the node cut off and killed because then the messages of the other two are in
    /// flight to a sequencer that leaves, and are resubmitted in the next view; the one-way start makes sure some of
    /// them were ordered and delivered by the sequencer alone.
    /// </summary>
    [Fact]
    public async Task SendersOnEveryNode_ThroughPartitionHealKillAndRestart_OneGlobalOrder_NoDuplicates_NoLoss()
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions { Nodes = 3 });
        await using var ownedCluster = cluster;
        await using var ownedBoard = board;
        await using var traffic = await OrderedTraffic.StartAsync(cluster, "order", [1, 2, 3], RatePerSender, Bed.Step, Bed.Token);
        var steps = new List<(TimeSpan At, string What)>();
        void Step(string what) => steps.Add((board.Elapsed, what));

        Step("traffic runs in one view");
        await Task.Delay(s_phase, Bed.Token);

        Step("partition starts one way: n1's (the sequencer's) packets to n2 and n3 dropped");
        cluster.Blackhole(1, 2, oneWay: true);
        cluster.Blackhole(1, 3, oneWay: true);
        // The fault's shape, not a synchronisation: for this long n1 still receives, orders and delivers the others'
        // messages, which they never get back from it.
        await Task.Delay(s_oneWayFirst, Bed.Token);
        Step("partition complete: n1 | n2 n3");
        cluster.Blackhole(2, 1, oneWay: true);
        cluster.Blackhole(3, 1, oneWay: true);
        await board.WaitUntilAsync(b => b.AllSee(1) && b.AllSee(2, 3), Bed.Step, "views [1] and [2,3]", Bed.Token);
        Step("views [1] and [2,3] installed");
        await Task.Delay(s_phase, Bed.Token);

        Step("heal");
        cluster.Heal();
        await board.WaitForViewAsync([1, 2, 3], Bed.Step, Bed.Token);
        Step("view [1,2,3] installed");
        await Task.Delay(s_phase, Bed.Token);

        Step("SIGKILL n1");
        cluster.Kill(1);
        await board.WaitUntilAsync(b => b.AllSee(2, 3), Bed.Step, "view [2,3] after n1 was killed", Bed.Token);
        Step("view [2,3] installed");
        await Task.Delay(s_phase, Bed.Token);

        Step("restart n1");
        cluster.Start(1);
        await board.FollowAsync(1, Bed.Step, Bed.Token);
        await board.WaitForViewAsync([1, 2, 3], Bed.Step, Bed.Token);
        await traffic.AddAsync(1, Bed.Step, Bed.Token);
        Step("view [1,2,3] installed, the restarted n1 sends too");
        await Task.Delay(s_phase, Bed.Token);

        await traffic.StopSendingAsync(Bed.Step);
        Step($"senders stopped after {traffic.TotalSent} messages");
        bool settled = await traffic.WaitForQuiescenceAsync(Bed.Step, Bed.Token);
        Step(settled ? "settled" : "did not settle");

        var problems = traffic.Check().ToList();
        if (!settled)
        {
            problems.Insert(0, $"not settled within {Bed.Step.TotalSeconds:0} s after the senders stopped " +
                "(one configuration everywhere, every message back at its sender, nothing owed missing)");
        }

        string report = Report(steps, board, traffic);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n{string.Join('\n', problems)}\n\n{report}\n{cluster.Logs(40)}");
        // The run did exercise both sides of the partition: each side delivered its own traffic in its own view.
        Assert.True(traffic.DeliveredIn("1") > 0 && traffic.DeliveredIn("2,3") > 0, report);
    }

    private static string Report(List<(TimeSpan At, string What)> steps, ViewBoard board, OrderedTraffic traffic)
    {
        var text = new StringBuilder();
        text.AppendLine("the test's steps and every node's views, in the order they were reported:");
        var lines = board.History.Select(r => (r.At, Text: r.ToString()))
            .Concat(steps.Select(s => (s.At, Text: $"{s.At.TotalSeconds,8:0.000}s test: {s.What}")))
            .OrderBy(l => l.At);
        foreach (var (_, line) in lines)
        {
            text.AppendLine(line);
        }

        text.AppendLine("instances (node#incarnation), with their group configurations x messages received in each:");
        text.AppendLine(traffic.Summary());
        var split = traffic.DeliveredInDifferentViews();
        text.AppendLine(split.Count == 0
            ? "every message was delivered in one and the same view wherever it was delivered"
            : $"delivered in different views (diagnostic):\n{string.Join('\n', split)}");
        return text.ToString();
    }
}
