using Muster.Core;
using Muster.Node.Fencing;
using Muster.Node.Quorum;
using Muster.Node.Services;
using Muster.Wire;
using Xunit;

namespace Muster.Membership.Tests;

/// <summary>
/// The fencing service on the composed node, with the quorum service beside it, on the test cluster's network. The
/// tests play the shell: they carry out <see cref="RunFenceAgent"/> (a device's success, failure or timeout) and
/// hand back <see cref="FenceAgentCompleted"/>.
/// </summary>
public sealed class FencingServiceTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(5);

    private static FenceDevice Device(string name, TimeSpan? delayMax = null, int retries = 0) =>
        new(name, $"fence_{name}", [new("ipaddr", $"{name}.example")], new Dictionary<NodeId, string> { [new NodeId(3)] = "plug3" },
            TimeSpan.FromSeconds(20), retries, DelayMax: delayMax ?? TimeSpan.Zero);

    private static TestCluster Cluster(int nodes, bool twoNode = false, TimeSpan? delayMax = null, int retries = 0)
    {
        var ids = Enumerable.Range(1, nodes).Select(i => new NodeId((uint)i)).ToList();
        var devices = new Dictionary<string, FenceDevice> { ["ipmi"] = Device("ipmi", delayMax, retries), ["pdu"] = Device("pdu") };
        var levels = ids.ToDictionary(n => n, _ => (IReadOnlyList<FenceLevel>)[new FenceLevel(1, ["ipmi"]), new FenceLevel(2, ["pdu"])]);
        var fencing = new FencingOptions(devices, levels, ids.ToDictionary(n => n, n => $"node{n.Value}"));
        var quorum = QuorumOptionsCheck.Check(new QuorumOptions(ids.ToDictionary(n => n, _ => 1), TwoNode: twoNode)).Effective!;
        return new TestCluster(nodes, services: _ =>
        [
            host => new QuorumService(host, quorum),
            host => new FencingService(host, fencing),
        ]);
    }

    private static FencingService Fencing(TestNode node) => (FencingService)node.Node.Services[2];

    private static List<RunFenceAgent> Runs(TestNode node) => [.. node.ServiceEffects.OfType<RunFenceAgent>()];

    private static void Complete(TestCluster c, uint node, RunFenceAgent run, int exitCode, bool timedOut = false) =>
        c[node].Node.Input(ServiceId.Fencing, new FenceAgentCompleted(run.Operation, exitCode, timedOut, $"{run.Device} said {exitCode}\n", TimeSpan.FromSeconds(2)), c.Now);

    private static TestCluster Formed(int nodes, bool twoNode = false, TimeSpan? delayMax = null, int retries = 0)
    {
        var c = Cluster(nodes, twoNode, delayMax, retries);
        c.StartAll();
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(300));
        return c;
    }

    [Fact]
    public void A_failed_node_is_fenced_by_the_lowest_survivor_and_then_becomes_recoverable_everywhere()
    {
        var c = Formed(3);
        c.Crash(3);
        c.Run(TimeSpan.FromSeconds(3));

        Assert.All(new[] { 1u, 2u }, n => Assert.Equal(new NodeId(3), Assert.Single(Fencing(c[n]).PendingFences).Node));
        Assert.Empty(Runs(c[2]));
        var run = Assert.Single(Runs(c[1]));
        Assert.Equal(("ipmi", "fence_ipmi", FenceAction.Reboot), (run.Device, run.Agent, run.Action));
        Assert.Equal(["action=reboot", "plug=plug3", "nodename=node3", "ipaddr=ipmi.example"], run.Stdin);
        Assert.DoesNotContain(c[1].ServiceEffects, e => e is NodeRecoverable);

        Complete(c, 1, run, 0);
        c.Run(TimeSpan.FromMilliseconds(300));

        foreach (uint n in new[] { 1u, 2u })
        {
            Assert.Empty(Fencing(c[n]).PendingFences);
            var recoverable = Assert.Single(c[n].ServiceEffects.OfType<NodeRecoverable>());
            Assert.Equal((new NodeId(3), FenceOutcome.Succeeded), (recoverable.Node, recoverable.How));
            var entry = Assert.Single(Fencing(c[n]).History);
            Assert.Equal((1, "ipmi", FenceOutcome.Succeeded, new NodeId(1)), (entry.Level, entry.Device, entry.Outcome, entry.Actor));
            Assert.Contains("ipmi said 0", entry.Output, StringComparison.Ordinal);
            // The gate opened after the view change that lost node 3.
            int lost = c[n].Timeline.FindLastIndex(e => e is ViewChange v && v.Left.Any(l => l.Member.Node == new NodeId(3)));
            int gate = c[n].Timeline.FindIndex(e => e is NodeRecoverable);
            Assert.True(lost >= 0 && gate > lost);
        }
    }

    [Fact]
    public void A_failing_level_falls_through_to_the_next_and_a_failed_attempt_rotates_to_another_survivor()
    {
        var c = Formed(3);
        c.Crash(3);
        c.Run(TimeSpan.FromSeconds(3));

        Complete(c, 1, Assert.Single(Runs(c[1])), 1);
        var pdu = Runs(c[1])[1];
        Assert.Equal("pdu", pdu.Device);
        Complete(c, 1, pdu, 0, timedOut: true);
        c.Run(TimeSpan.FromMilliseconds(300));

        var pending = Assert.Single(Fencing(c[2]).PendingFences);
        Assert.Equal((1, new NodeId(2)), (pending.Attempts, pending.Actor));
        Assert.Equal([FenceOutcome.Failed, FenceOutcome.TimedOut], Fencing(c[2]).History.Select(h => h.Outcome));
        Assert.DoesNotContain(c[2].ServiceEffects, e => e is NodeRecoverable);

        // The next attempt is node 2's, after the backoff.
        c.Run(TimeSpan.FromSeconds(2));
        var retry = Assert.Single(Runs(c[2]));
        Assert.Equal("ipmi", retry.Device);
        Complete(c, 2, retry, 0);
        c.Run(TimeSpan.FromMilliseconds(300));
        Assert.Single(c[1].ServiceEffects.OfType<NodeRecoverable>());
    }

    [Fact]
    public void An_inquorate_partition_fences_nobody_and_recovers_nothing()
    {
        var c = Formed(3);
        c.Cut(1);
        c.Run(TimeSpan.FromSeconds(3));

        // It decides nothing about who failed (its "failed" nodes are the quorate side): nothing pending, nothing run.
        Assert.Empty(Fencing(c[1]).PendingFences);
        Assert.Empty(Runs(c[1]));
        Assert.DoesNotContain(c[1].ServiceEffects, e => e is NodeRecoverable);
        var run = Assert.Single(Runs(c[2]));
        Assert.Equal(new NodeId(1), run.Target);
    }

    [Fact]
    public void An_acknowledgement_is_refused_while_the_node_is_in_the_view_and_opens_the_gate_once_it_is_not()
    {
        var c = Formed(3);
        var refused = (FenceChangeResponse)c[1].Node.Request(ServiceId.Fencing, new AcknowledgeFence(new NodeId(3), 0), c.Now);
        Assert.False(refused.Accepted);
        Assert.Contains("is in the view", refused.Message, StringComparison.Ordinal);

        c.Crash(3);
        c.Run(TimeSpan.FromSeconds(3));
        var ack = (FenceChangeResponse)c[2].Node.Request(ServiceId.Fencing, new AcknowledgeFence(new NodeId(3), 1000), c.Now);
        Assert.True(ack.Accepted, ack.Message);
        c.Run(TimeSpan.FromMilliseconds(300));

        var gate = Assert.Single(c[1].ServiceEffects.OfType<NodeRecoverable>());
        Assert.Equal(FenceOutcome.Acknowledged, gate.How);
        Assert.Equal("uid 1000", Fencing(c[1]).History.Single().RequestedBy);
        Assert.Empty(Fencing(c[1]).PendingFences);
    }

    [Fact]
    public void A_clean_leave_is_never_fenced()
    {
        var c = Formed(3);
        c[3].Node.Leave(c.Now);
        c.Run(TimeSpan.FromSeconds(3));

        Assert.Empty(Fencing(c[1]).PendingFences);
        Assert.Empty(Runs(c[1]));
    }

    [Fact]
    public void A_new_incarnation_does_not_cancel_the_pending_fence_of_the_old_one()
    {
        var c = Formed(3);
        c.Crash(3);
        c.Run(TimeSpan.FromSeconds(3));
        c.Restart(3, 2);
        c.RunUntilConverged(Converge);
        c.Run(TimeSpan.FromMilliseconds(300));

        var pending = Assert.Single(Fencing(c[3]).PendingFences);
        Assert.Equal((new NodeId(3), 1ul), (pending.Node, pending.Incarnation));
        Assert.Single(Fencing(c[1]).PendingFences);
    }

    [Fact]
    public void In_a_two_node_split_both_race_with_different_delays()
    {
        var c = Formed(2, twoNode: true, delayMax: TimeSpan.FromSeconds(10));
        c.Cut(2);

        // The service waits out the delay itself and asks for the agent when it is over: note when each one asks.
        var asked = new Dictionary<uint, Muster.Core.Instant>();
        for (int i = 0; i < 2400 && asked.Count < 2; i++)
        {
            c.Run(TimeSpan.FromMilliseconds(5));
            foreach (uint n in new[] { 1u, 2u })
            {
                if (!asked.ContainsKey(n) && Runs(c[n]).Count > 0)
                {
                    asked[n] = c.Now;
                }
            }
        }

        Assert.Equal(2, asked.Count);
        Assert.Equal((new NodeId(2), new NodeId(1)), (Runs(c[1])[0].Target, Runs(c[2])[0].Target));
        Assert.True((asked[1] - asked[2]).Duration() > TimeSpan.FromMilliseconds(100), $"both asked at about the same time: {asked[1]} and {asked[2]}");
    }

    [Fact]
    public void Unfencing_on_the_wire_never_ends_a_pending_fence()
    {
        var c = Formed(3);
        c.Crash(3);
        c.Run(TimeSpan.FromSeconds(3));
        var sender = c[2].Engine.Self;
        // A result for node 3 with action "on" (2) and success: refused, so node 3 stays pending.
        byte[] on = [1, 1, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0];
        c[1].Node.Inject(MembershipEvent.Delivered(sender, 9, ServiceId.Fencing, on), c.Now);

        Assert.Equal(1, Fencing(c[1]).RejectedMessages);
        Assert.Single(Fencing(c[1]).PendingFences);
        Assert.DoesNotContain(c[1].ServiceEffects, e => e is NodeRecoverable);
    }

    [Fact]
    public void Malformed_fencing_messages_are_counted_and_ignored()
    {
        var c = Formed(3);
        var sender = c[2].Engine.Self;
        c[1].Node.Inject(MembershipEvent.Delivered(sender, 1, ServiceId.Fencing, [1]), c.Now);
        c[1].Node.Inject(MembershipEvent.Delivered(sender, 2, ServiceId.Fencing, [9, 1]), c.Now);
        c[1].Node.Inject(MembershipEvent.Delivered(sender, 3, ServiceId.Fencing, [1, 1, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 1, 200]), c.Now);
        c[1].Node.Inject(MembershipEvent.Delivered(sender, 4, ServiceId.Fencing, [2, 1, 0, 0, 0, 0]), c.Now);

        Assert.Equal(4, Fencing(c[1]).RejectedMessages);
        Assert.Empty(Fencing(c[1]).PendingFences);
    }
}
