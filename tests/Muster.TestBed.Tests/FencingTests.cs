using Muster.Client;
using Muster.Configuration;

namespace Muster.TestBed.Tests;

/// <summary>
/// Fencing on the test bed: each node's musterd and clients run in its own cgroup, and the fence device is the
/// power switch (<see cref="PowerSwitch"/>, the <c>fence_testbed_cgroup</c> agent writing <c>cgroup.kill</c>), so a
/// fenced node really is dead: its daemon and every client process at once.
/// </summary>
[Collection(TestBedCollection.Name)]
public class FencingTests
{
    /// <summary>
    /// n3's cable is pulled: [1,2] is quorate and fences n3 through the power switch (n3's daemon and its
    /// `muster listen` client die together), and both survivors receive the recoverable event for n3.
    /// </summary>
    [Fact]
    public async Task TwoOnePartition_FencesTheOne_ByKillingItsCgroup_AndTheTwoGetTheRecoverableEvent()
    {
        var (cluster, board) = await StartFencedAsync(3, n => PowerOnly(n));
        await using var _ = cluster;
        await using var __ = board;
        using var client3 = await cluster.StartClientAsync(3, ["listen", "fence-test"], Bed.Step, Bed.Token);
        await using var log1 = await RecoveryLog.StartAsync(cluster, 1);
        await using var log2 = await RecoveryLog.StartAsync(cluster, 2);

        cluster.Link(3).Down();

        var seen1 = await log1.WaitForAsync(3, Bed.Step);
        var seen2 = await log2.WaitForAsync(3, Bed.Step);
        Assert.Equal("fenced", seen1.How);
        Assert.Equal((seen1.Incarnation, seen1.ViewId), (seen2.Incarnation, seen2.ViewId));
        // The power switch killed the whole node: the daemon (SIGKILL, 128 + 9) and its client, and the group is empty.
        await cluster[3].Process!.WaitForExitAsync(Bed.Token).WaitAsync(Bed.Step, Bed.Token);
        await client3.WaitForExitAsync(Bed.Token).WaitAsync(Bed.Step, Bed.Token);
        Assert.Equal(137, cluster[3].Process!.ExitCode);
        Assert.Equal(137, client3.ExitCode);
        Assert.False(cluster[3].Powered, "n3's cgroup still has processes");
        Assert.True(cluster[1].Powered && cluster[2].Powered, "a survivor was powered off");

        await using var c1 = await cluster.ConnectAsync(1, Bed.Step, Bed.Token);
        var state = await c1.Fencing.GetAsync(Bed.Token);
        var step = Assert.Single(state.History);
        Assert.Equal((3u, "succeeded", "power", 1, "off"), (step.Target.Value, step.Outcome, step.Device, step.Level, step.Action));
        Assert.Contains("Powered OFF " + cluster[3].CgroupName, step.Output, StringComparison.Ordinal);
        Assert.Empty(state.Pending);
        Assert.True((await c1.Quorum.GetAsync(Bed.Token)).Quorate);
    }

    /// <summary>
    /// A two-node cluster (<c>two_node</c>) split by a cut link: both halves stay quorate and race to fence each
    /// other; the device that fences n1 has a 2 s delay (<c>pcmk_delay_base</c>), so n1 wins. Ten rounds in a row on
    /// one cluster: each ends with exactly n2 powered off (n1 untouched, its history one success longer), then the
    /// link comes back and n2 restarts as a new incarnation that joins again.
    /// </summary>
    [Fact]
    public async Task TwoNodeSplit_WithAFenceDelay_FencesExactlyOne_TenRoundsInARow()
    {
        var quorum = new QuorumConfig { TwoNode = true };
        var (cluster, board) = await StartFencedAsync(2, n => new FencingConfig
        {
            Action = "off",
            Devices = [PowerSwitch.Device("fast", n.Cluster), PowerSwitch.Device("slow", n.Cluster, delayBase: TimeSpan.FromSeconds(2))],
            Levels = [new FenceLevelConfig("n1", 1, ["slow"]), new FenceLevelConfig("n2", 1, ["fast"])],
        }, quorum);
        await using var _ = cluster;
        await using var __ = board;
        await using var c1 = await cluster.ConnectAsync(1, Bed.Step, Bed.Token);

        const int rounds = 10;
        for (int round = 1; round <= rounds; round++)
        {
            cluster.Link(2).Down();
            var n2 = cluster[2].Process!;
            // Whichever node is powered off first: n2's agent runs in n2's cgroup, so once that group is empty
            // nothing can fence n1 any more, and checking n1 then is checking it for good.
            await WaitAsync(() => !cluster[1].Powered || !cluster[2].Powered, $"round {round}: a node to be powered off");
            await WaitAsync(() => !cluster[2].Powered || !cluster[1].Running, $"round {round}: n2's cgroup to empty");
            Assert.True(cluster[1].Running && cluster[1].Powered, $"round {round}: n1 was fenced\n{cluster.Logs()}");
            await n2.WaitForExitAsync(Bed.Token).WaitAsync(Bed.Step, Bed.Token);
            Assert.Equal(137, n2.ExitCode);

            await WaitAsync(async () => (await c1.Fencing.GetAsync(Bed.Token)).History.Count(h => h.Outcome == "succeeded") == round,
                $"round {round}: n1's history to hold {round} successes");
            var history = (await c1.Fencing.GetAsync(Bed.Token)).History;
            Assert.All(history, h => Assert.Equal((2u, "succeeded", "fast"), (h.Target.Value, h.Outcome, h.Device)));

            cluster.Link(2).Up();
            cluster.Start(2);
            await board.FollowAsync(2, Bed.Step, Bed.Token);
            await board.WaitForViewAsync([1, 2], Bed.Step, Bed.Token);
        }
    }

    /// <summary>
    /// Levels: n3's level 1 is Debian's <c>fence_dummy</c> in its failing mode, so it fails; level 2 is two devices,
    /// <c>fence_dummy</c> on a status file and the power switch, and succeeds only because both do. The real agent
    /// protocol end to end: the status file says "off", and the history has the failed level-1 step and both
    /// level-2 steps.
    /// </summary>
    [Fact]
    public async Task AFailingLevelOne_FallsThroughToLevelTwo_WithTheRealFenceDummyAgent()
    {
        Bed.RequireOrSkip();
        if (TestBedHost.FenceAgentsUnavailable is { } why)
        {
            Assert.Skip(why);
        }

        string status = Path.Combine(Path.GetTempPath(), $"muster-fence-dummy-{Environment.ProcessId}.status");
        await File.WriteAllTextAsync(status, "on", Bed.Token);
        try
        {
            var (cluster, board) = await StartFencedAsync(3, n => new FencingConfig
            {
                Action = "off",
                Devices =
                [
                    new FenceDeviceConfig("dummy-fail", "fence_dummy", [new("type", "fail"), new("power_timeout", "1")], [], TimeSpan.FromSeconds(20)),
                    new FenceDeviceConfig("dummy-file", "fence_dummy", [new("type", "file"), new("status_file", status)], [], TimeSpan.FromSeconds(20)),
                    PowerSwitch.Device("power", n.Cluster),
                ],
                Levels =
                [
                    .. n.Cluster.Where(m => m.Index != 3).Select(m => new FenceLevelConfig(m.Name, 1, ["power"])),
                    new FenceLevelConfig("n3", 1, ["dummy-fail"]),
                    new FenceLevelConfig("n3", 2, ["dummy-file", "power"]),
                ],
            });
            await using var _ = cluster;
            await using var __ = board;
            await using var log1 = await RecoveryLog.StartAsync(cluster, 1);

            cluster.Link(3).Down();
            var seen = await log1.WaitForAsync(3, Bed.Step);
            Assert.Equal("fenced", seen.How);
            Assert.False(cluster[3].Powered, "n3 still runs");
            Assert.Equal("off", (await File.ReadAllTextAsync(status, Bed.Token)).Trim());

            await using var c1 = await cluster.ConnectAsync(1, Bed.Step, Bed.Token);
            var steps = (await c1.Fencing.GetAsync(Bed.Token)).History.OrderBy(h => -h.Age).Select(h => (h.Level, h.Device, h.Outcome)).ToList();
            Assert.Equal([(1, "dummy-fail", "failed"), (2, "dummy-file", "succeeded"), (2, "power", "succeeded")], steps);
        }
        finally
        {
            File.Delete(status);
        }
    }

    internal static FencingConfig PowerOnly(TestBedNode node) => new()
    {
        Action = "off",
        Devices = [PowerSwitch.Device("power", node.Cluster)],
        Levels = [.. node.Cluster.Select(m => new FenceLevelConfig(m.Name, 1, ["power"]))],
    };

    internal static async Task<(NetnsCluster Cluster, ViewBoard Board)> StartFencedAsync(
        int nodes, Func<TestBedNode, FencingConfig> fencing, QuorumConfig? quorum = null)
    {
        Bed.RequireOrSkip();
        if (TestBedHost.CgroupsUnavailable is { } why)
        {
            Assert.Skip($"the power switch needs node cgroups: {why}");
        }

        return await Bed.StartAsync(new TestBedOptions
        {
            Nodes = nodes,
            Cgroups = true,
            Configure = (node, config) => config with { Fencing = fencing(node), Quorum = quorum ?? config.Quorum },
        });
    }

    private static Task WaitAsync(Func<bool> condition, string what) => WaitAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bed.Step;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), Bed.Token);
        }
    }
}
