using System.Globalization;
using Muster.Configuration;

namespace Muster.TestBed.Tests;

/// <summary>
/// The fencing benchmark of docs/benchmarks.md, not a timed test: it asserts only that each round completed, and
/// is skipped unless <c>MUSTER_TESTBED_BENCH=1</c>. Three nodes, the default (<c>lan</c>) timing profile, the
/// power switch as the only device, no fence delay. Each round SIGKILLs n3's daemon and times, on the last
/// survivor to see each step: detection (kill to the actor's view without n3; also the last survivor's), fence (the
/// agent's run, from the history) and gate (the rest, up to the last survivor's <c>NodeRecoverable</c> event), then
/// restarts n3. <c>MUSTER_BENCH_RUNS</c> rounds
/// (default 11); one tab-separated line per round goes to the test output and to <c>MUSTER_BENCH_OUT</c> if set.
/// </summary>
[Collection(TestBedCollection.Name)]
public class FenceTimingBenchmark
{
    [Fact]
    public async Task SigkillToRecoverable_DetectionFenceAndGate()
    {
        if (Environment.GetEnvironmentVariable("MUSTER_TESTBED_BENCH") != "1")
        {
            Assert.Skip("a benchmark: set MUSTER_TESTBED_BENCH=1 to run it (docs/benchmarks.md)");
        }

        Bed.RequireOrSkip();
        if (TestBedHost.CgroupsUnavailable is { } why)
        {
            Assert.Skip($"the power switch needs node cgroups: {why}");
        }

        int runs = int.Parse(Environment.GetEnvironmentVariable("MUSTER_BENCH_RUNS") ?? "11", CultureInfo.InvariantCulture);
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions
        {
            Nodes = 3,
            Cgroups = true,
            Timing = TimingOptions.Lan,
            Configure = (node, config) => config with { Fencing = FencingTests.PowerOnly(node) },
        });
        await using var _ = cluster;
        await using var __ = board;
        await using var log1 = await RecoveryLog.StartAsync(cluster, 1, () => board.Elapsed);
        await using var log2 = await RecoveryLog.StartAsync(cluster, 2, () => board.Elapsed);
        await using var c1 = await cluster.ConnectAsync(1, Bed.Step, Bed.Token);
        var lines = new List<string> { "round\tactor\tdetect_ms\tdetect_last_ms\tfence_ms\tgate_ms\ttotal_ms" };
        for (int round = 1; round <= runs; round++)
        {
            ulong incarnation = board.Views[1].Members.Single(m => m.NodeId.Value == 3).Incarnation;
            var t0 = board.Elapsed;
            cluster.Kill(3);
            await log1.WaitForAsync(3, Bed.Step, incarnation);
            await log2.WaitForAsync(3, Bed.Step, incarnation);

            TimeSpan Detected(int node) => board.History
                .Where(r => r.Node == node && r.At >= t0 && r.View.Members.All(m => m.NodeId.Value != 3)).Min(r => r.At);
            TimeSpan Recovered(RecoveryLog log) =>
                log.Events.Select((e, k) => (e, k)).Where(x => x.e.NodeId.Value == 3 && x.e.Incarnation == incarnation)
                    .Select(x => log.Arrivals[x.k]).Min();
            var step = (await c1.Fencing.GetAsync(Bed.Token)).History.Single(h => h.Target.Value == 3 && h.Incarnation == incarnation);
            // The fence starts when the actor sees the view; the gate is everything after the agent's run up to the
            // last survivor's event (the agent's start-up, the result in the total order, the event to the client).
            var detect = Detected((int)step.Actor.Value) - t0;
            var detectLast = TimeSpan.FromTicks(Math.Max(Detected(1).Ticks, Detected(2).Ticks)) - t0;
            var total = TimeSpan.FromTicks(Math.Max(Recovered(log1).Ticks, Recovered(log2).Ticks)) - t0;
            var gate = total - detect - step.Duration;
            lines.Add(string.Join('\t', round, step.Actor.Value, Ms(detect), Ms(detectLast), Ms(step.Duration), Ms(gate), Ms(total)));

            cluster.Start(3);
            await board.FollowAsync(3, Bed.Step, Bed.Token);
            await board.WaitForViewAsync([1, 2, 3], Bed.Step, Bed.Token);
        }

        string report = string.Join('\n', lines);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        if (Environment.GetEnvironmentVariable("MUSTER_BENCH_OUT") is { Length: > 0 } file)
        {
            await File.WriteAllTextAsync(file, report + "\n", Bed.Token);
        }

        Assert.Equal(runs + 1, lines.Count);
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
