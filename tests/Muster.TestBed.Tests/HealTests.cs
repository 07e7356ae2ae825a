using System.Text;
using Muster.Configuration;
using Muster.Client;

namespace Muster.TestBed.Tests;

[Collection(TestBedCollection.Name)]
public class HealTests
{
    private const int Rounds = 20;

    // A round's own waits: detection and a merge take a few seconds with the test profile, so 20 s means stuck, and
    // keeps a run that gets stuck in several rounds within a few minutes.
    private static readonly TimeSpan s_roundStep = TimeSpan.FromSeconds(20);

    // After a heal has brought back one view of all three, a round ends only after this long without any view
    // change, so that a late eviction is attributed to the round that caused it (an observation window).
    private static readonly TimeSpan s_quiet = TimeSpan.FromSeconds(1);

    /// <summary>
    /// 3 nodes; each round cuts one node off from the other two (nftables, both ways), node 1, 2, 3, 1, ... in turn,
    /// and heals; 20 heals. Odd rounds cut for half the failure timeout: nobody should notice, and the heal is the
    /// case of a short outage that must be tolerated without any eviction. Even rounds cut until both sides have
    /// installed their own view (so for longer than the failure timeout) and heal at once: a merge right after an
    /// eviction, while the protocol's fresh exclusions and promises are still in force, which is where the audit saw
    /// healthy nodes evicted. Every node's view changes are recorded (membership track stream) and printed per round.
    /// Asserted, for a round that cuts node c: before the heal, the others report no one but c left, and c reports no
    /// one but the others left (its own isolation); after the heal, nobody reports anyone left. So no node other than
    /// c is ever reported left by anyone but the isolated c. And on every node the per-peer counter
    /// declared_failed_while_link_up stays 0.
    /// </summary>
    [Fact]
    public async Task CutAndHealEachNodeInTurn_TwentyHeals_NoHealthyNodeIsEverReportedLeft()
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions { Nodes = 3 });
        await using var ownedCluster = cluster;
        await using var ownedBoard = board;
        var failureTimeout = TimingOptions.Test.FailureTimeout;
        var shortCut = failureTimeout / 2;
        var log = new StringBuilder();
        var violations = new List<string>();
        try
        {
            for (int round = 1; round <= Rounds; round++)
            {
                int cut = (round - 1) % 3 + 1;
                bool longCut = round % 2 == 0;
                int[] others = [.. new[] { 1, 2, 3 }.Where(n => n != cut)];
                int from = board.History.Count;
                var cutAt = board.Elapsed;
                string? stuck = null;

                cluster.Partition(cut);
                if (longCut)
                {
                    try
                    {
                        await board.WaitUntilAsync(b => b.AllSee(cut) && b.AllSee(others), s_roundStep,
                            $"views [{cut}] and [{string.Join(",", others)}]", Bed.Token);
                    }
                    catch (TimeoutException)
                    {
                        stuck = $"views [{cut}] and [{string.Join(",", others)}] not reached within {s_roundStep.TotalSeconds:0} s of the cut";
                    }
                }
                else
                {
                    // The fault's duration, not a synchronisation: nothing is expected to happen in it.
                    await Task.Delay(shortCut, Bed.Token);
                }

                var healAt = board.Elapsed;
                cluster.Heal();
                bool settled = await SettleAsync(board);
                var records = board.History.Skip(from).ToList();
                log.AppendLine($"round {round}: n{cut} cut off " + (longCut
                    ? $"until both sides had their own view (longer than the {failureTimeout.TotalSeconds:0} s failure timeout)"
                    : $"for {shortCut.TotalSeconds:0.0} s (half the failure timeout)") +
                    $", healed at +{(healAt - cutAt).TotalSeconds:0.000}s; {records.Count} view change(s)" +
                    (settled ? "" : $"; NO QUIET VIEW OF [1,2,3] WITHIN {s_roundStep.TotalSeconds:0} s OF THE HEAL"));
                foreach (var r in records)
                {
                    log.AppendLine($"    {r.Describe(cutAt)}");
                    foreach (var left in r.Left)
                    {
                        int x = (int)left.Member.NodeId.Value;
                        string? wrong = r.At >= healAt
                            ? (x == cut ? "the cut node was reported left again after the heal" : $"n{x} was never cut, reported left after the heal")
                            : r.Node == cut ? (x == cut ? "the cut node reported itself left" : null)
                            : x == cut ? null : $"n{x} was never cut, reported left while n{cut} was cut off";
                        if (wrong is not null)
                        {
                            violations.Add($"round {round} (n{cut} cut, {(longCut ? "long" : "short")}): n{r.Node} reported " +
                                $"n{x}#{left.Member.Incarnation} left ({left.Reason}) at +{(r.At - cutAt).TotalSeconds:0.000}s: {wrong}");
                        }
                    }
                }

                if (stuck is not null)
                {
                    violations.Add($"round {round} (n{cut} cut, long): {stuck}");
                }

                if (!settled)
                {
                    violations.Add($"round {round} (n{cut} cut, {(longCut ? "long" : "short")}): no quiet view of [1,2,3] " +
                        $"within {s_roundStep.TotalSeconds:0} s of the heal; stopped after this round\n{board.Describe()}");
                    break;
                }
            }

            log.AppendLine("declared_failed_while_link_up, per node and peer:");
            foreach (var node in cluster.Nodes)
            {
                await using var client = await cluster.ConnectAsync(node.Index, Bed.Step, Bed.Token);
                var status = await client.GetStatusAsync(Bed.Token);
                Assert.NotNull(status.Peers);
                var counts = status.Peers.Select(p =>
                    (p.Node, Count: p.Counters.Single(c => c.Key == PeerCounters.DeclaredFailedWhileLinkUp).Value)).ToList();
                log.AppendLine($"    {node.Name}: {string.Join(", ", counts.Select(c => $"n{c.Node}={c.Count}"))}");
                violations.AddRange(counts.Where(c => c.Count != 0).Select(c =>
                    $"{node.Name} declared n{c.Node} failed or unreachable {c.Count} time(s) while a link probe to it answered"));
            }
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(log.ToString());
        }

        Assert.True(violations.Count == 0, $"{violations.Count} violation(s):\n{string.Join('\n', violations)}\n\n{log}");
    }

    // One view of all three, then no view change for the quiet window (again if a change came in it). False when that
    // does not happen within the round's deadline.
    private static async Task<bool> SettleAsync(ViewBoard board)
    {
        var deadline = DateTime.UtcNow + s_roundStep;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var left = deadline - DateTime.UtcNow;
                await board.WaitForViewAsync([1, 2, 3], left > TimeSpan.Zero ? left : TimeSpan.Zero, Bed.Token);
            }
            catch (TimeoutException)
            {
                return false;
            }

            var changes = await board.ChangesDuringAsync(s_quiet, Bed.Token);
            if (changes.Count == 0 && board.AllSee(1, 2, 3))
            {
                return true;
            }
        }

        return false;
    }
}
