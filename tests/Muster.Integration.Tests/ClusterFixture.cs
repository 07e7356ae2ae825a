using Muster.Cli.Demo;
using Muster.Client;
using Muster.Configuration;

namespace Muster.Integration.Tests;

/// <summary>Helpers shared by the multi-process tests.</summary>
internal static class Cluster
{
    /// <summary>Deadline for one step (a view forming, a message arriving): generous, since CI machines are busy.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    public static LocalCluster Start(int nodes)
    {
        var cluster = LocalCluster.Create(nodes, TimingOptions.Test);
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        return cluster;
    }

    /// <summary>Runs the real <c>muster</c> command in this process (as a script would run it) and captures what it prints.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> MusterAsync(CancellationToken ct, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await Muster.Cli.Cli.RunAsync(args, stdout, stderr, ct);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static bool HasExactly(ClusterView view, params uint[] nodes) =>
        view.Members.Select(m => m.NodeId.Value).Order().SequenceEqual(nodes.Order());

    public static string Logs(LocalCluster cluster) => string.Join(Environment.NewLine, cluster.Nodes.Select(n =>
        File.Exists(n.LogPath) ? $"--- {n.Name}{Environment.NewLine}{string.Join(Environment.NewLine, File.ReadLines(n.LogPath).TakeLast(15))}" : ""));

    /// <summary>Waits (with the step deadline) until every node's log satisfies its condition; null conditions always hold.</summary>
    public static async Task WaitForLogsAsync(LocalCluster cluster, CancellationToken ct, params Func<string, bool>?[] conditions)
    {
        var deadline = DateTime.UtcNow + Step;
        while (true)
        {
            bool all = true;
            for (int i = 0; i < conditions.Length && all; i++)
            {
                if (conditions[i] is { } condition)
                {
                    string path = cluster.Nodes[i].LogPath;
                    all = condition(File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : "");
                }
            }

            if (all)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the logs did not show what was expected within {Step.TotalSeconds:F0} s{Environment.NewLine}{Logs(cluster)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }

    public static async Task<ClusterMembershipNotification> WaitForViewAsync(MembershipWatcher watcher, LocalCluster cluster,
        Func<ClusterView, bool> predicate, CancellationToken ct)
    {
        try
        {
            return await watcher.WaitForAsync(predicate, Step, null, ct);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{Logs(cluster)}", e);
        }
    }
}
