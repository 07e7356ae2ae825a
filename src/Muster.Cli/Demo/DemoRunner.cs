using System.Diagnostics;
using System.Text;
using Muster.Client;
using Muster.Configuration;

namespace Muster.Cli.Demo;

/// <summary>
/// <c>muster demo</c>: starts a local cluster of real musterd processes, shows the membership forming, a SIGKILL and
/// the view change, the restart and rejoin, a process group exchanging ordered messages, then a clean shutdown.
/// </summary>
internal static class DemoRunner
{
    private static readonly TimeSpan s_step = TimeSpan.FromSeconds(20);

    /// <summary>Runs the demo; returns the process exit code.</summary>
    public static async Task<int> RunAsync(int nodes, TextWriter output, CancellationToken cancellationToken)
    {
        if (nodes is < 1 or > 9)
        {
            await output.WriteLineAsync("muster demo: --nodes must be between 1 and 9");
            return ExitCodes.Usage;
        }

        await using var cluster = LocalCluster.Create(nodes, TimingOptions.Lan);
        await output.WriteLineAsync($"Starting a {nodes}-node cluster on 127.0.0.11..{10 + nodes}, UDP port {cluster.Port}, " +
            $"in {cluster.Directory} (timing profile 'lan': failure timeout 600 ms)");
        try
        {
            await RunStepsAsync(cluster, output, cancellationToken);
            await output.WriteLineAsync($"Done. Removing {cluster.Directory}.");
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is TimeoutException or MusterException or IOException)
        {
            await output.WriteLineAsync($"muster demo: {e.Message}");
            foreach (var node in cluster.Nodes)
            {
                if (File.Exists(node.LogPath))
                {
                    await output.WriteLineAsync($"--- last lines of {node.Name}'s log:");
                    foreach (string line in File.ReadLines(node.LogPath).TakeLast(8))
                    {
                        await output.WriteLineAsync("    " + line);
                    }
                }
            }

            return e is TimeoutException ? ExitCodes.Timeout : ExitCodes.DaemonError;
        }
    }

    private static async Task RunStepsAsync(LocalCluster cluster, TextWriter output, CancellationToken ct)
    {
        string Describe(ClusterView v) => $"view {v.ViewId}: {string.Join(' ', v.Members.Select(m => $"{m.Name}#{m.Incarnation}"))}";
        void Print(ClusterMembershipNotification n)
        {
            if (n.View.ViewId.IsNone)
            {
                return;
            }

            var changes = n.Items.Where(i => i.Change != MembershipChange.NoChange)
                .Select(i => $"{i.Member.Name}#{i.Member.Incarnation} {i.Change.ToString().ToLowerInvariant()}" +
                             (string.IsNullOrEmpty(i.Reason) || i.Reason == "current" ||
                              i.Reason.Equals(i.Change.ToString(), StringComparison.OrdinalIgnoreCase) ? "" : $" ({i.Reason})"))
                .ToList();
            output.WriteLine($"  {Describe(n.View)}{(changes.Count > 0 ? "   [" + string.Join(", ", changes) + "]" : "")}");
        }

        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        var first = cluster.Nodes[0];
        await using var observer = await LocalCluster.ConnectAsync(first, s_step, ct);
        await using var watch = new MembershipWatcher(observer);
        await output.WriteLineAsync($"\nMembership as {first.Name} sees it forming:");
        var clock = Stopwatch.StartNew();
        await watch.WaitForAsync(v => v.Members.Count == cluster.Nodes.Count, s_step, Print, ct);
        await output.WriteLineAsync($"  all {cluster.Nodes.Count} nodes in one view {clock.ElapsedMilliseconds} ms after {first.Name}'s client connected");

        if (cluster.Nodes.Count > 1)
        {
            var victim = cluster.Nodes[^1];
            await output.WriteLineAsync($"\nKilling {victim.Name} with SIGKILL (pid {victim.Process!.Id}):");
            clock.Restart();
            LocalCluster.Kill(victim);
            await watch.WaitForAsync(v => v.Members.All(m => m.NodeId.Value != victim.Id), s_step, Print, ct);
            await output.WriteLineAsync($"  {first.Name} installed a view without {victim.Name} {clock.ElapsedMilliseconds} ms after the kill");

            await output.WriteLineAsync($"\nRestarting {victim.Name} (a new incarnation):");
            clock.Restart();
            LocalCluster.Start(victim);
            await watch.WaitForAsync(v => v.Members.Any(m => m.NodeId.Value == victim.Id), s_step, Print, ct);
            await output.WriteLineAsync($"  {victim.Name} rejoined {clock.ElapsedMilliseconds} ms after it was started");
        }

        await GroupExchangeAsync(cluster, output, ct);

        await output.WriteLineAsync("\nStopping: each node leaves the cluster (a clean leave, not a failure):");
        for (int i = cluster.Nodes.Count - 1; i >= 1; i--)
        {
            var node = cluster.Nodes[i];
            await using (var client = await LocalCluster.ConnectAsync(node, s_step, ct))
            {
                await client.LeaveClusterAsync(ct);
            }

            await watch.WaitForAsync(v => v.Members.All(m => m.NodeId.Value != node.Id), s_step, Print, ct);
            await node.Process!.WaitForExitAsync(ct).WaitAsync(s_step, ct);
        }

        await observer.LeaveClusterAsync(ct);
        await first.Process!.WaitForExitAsync(ct).WaitAsync(s_step, ct);
    }

    private static async Task GroupExchangeAsync(LocalCluster cluster, TextWriter output, CancellationToken ct)
    {
        const int PerNode = 3;
        const string Group = "demo";
        await output.WriteLineAsync($"\nProcess group '{Group}': a client on every node joins, then each sends {PerNode} messages at once:");
        var clients = new List<MusterClient>();
        var groups = new List<ProcessGroup>();
        try
        {
            foreach (var node in cluster.Nodes)
            {
                var client = await LocalCluster.ConnectAsync(node, s_step, ct);
                clients.Add(client);
                groups.Add(await client.Groups.JoinAsync(Group, ct));
            }

            // Each member reads its stream; first wait until it sees every member, then collect the messages.
            int total = PerNode * groups.Count;
            var readers = groups.Select(g => CollectAsync(g, groups.Count, total, ct)).ToList();
            await Task.WhenAll(readers.Select(r => r.Ready)).WaitAsync(s_step, ct);
            var sends = groups.Select((g, i) => Task.Run(async () =>
            {
                for (int k = 1; k <= PerNode; k++)
                {
                    await g.SendAsync(Encoding.UTF8.GetBytes($"message {k} from {cluster.Nodes[i].Name}"), ct);
                }
            }, ct));
            await Task.WhenAll(sends).WaitAsync(s_step, ct);
            var sequences = await Task.WhenAll(readers.Select(r => r.Messages)).WaitAsync(s_step, ct);
            await output.WriteLineAsync($"  the {total} messages in the order {cluster.Nodes[0].Name} delivered them:");
            foreach (string m in sequences[0])
            {
                await output.WriteLineAsync($"    {m}");
            }

            bool identical = sequences.All(s => s.SequenceEqual(sequences[0]));
            await output.WriteLineAsync(identical
                ? $"  every node delivered the same {total} messages in the same order"
                : "  ORDER DIFFERS between nodes: " + string.Join(" | ", sequences.Select(s => string.Join(",", s))));
            if (!identical)
            {
                throw new MusterException("the group's members saw different orders");
            }
        }
        finally
        {
            foreach (var g in groups)
            {
                await g.DisposeAsync();
            }

            foreach (var c in clients)
            {
                await c.DisposeAsync();
            }
        }
    }

    private sealed record Collector(Task Ready, Task<List<string>> Messages);

    private static Collector CollectAsync(ProcessGroup group, int members, int messages, CancellationToken ct)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            var seen = new List<string>();
            await foreach (var ev in group.ReadEventsAsync(ct))
            {
                if (ev is GroupMembershipChange change && change.Members.Count >= members)
                {
                    ready.TrySetResult();
                }
                else if (ev is GroupMessage message)
                {
                    seen.Add($"[{message.Sender}] {Encoding.UTF8.GetString(message.Payload.Span)}");
                    if (seen.Count == messages)
                    {
                        break;
                    }
                }
            }

            return seen;
        }, ct);
        return new Collector(ready.Task, task);
    }
}
