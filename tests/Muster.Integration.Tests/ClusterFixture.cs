using Muster.Cli.Demo;
using Muster.Client;
using Muster.Configuration;
using Muster.Ipc.Contracts;

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

    public static bool HasExactly(ClusterView view, params uint[] nodes) =>
        view.Members.Select(m => m.NodeId.Value).Order().SequenceEqual(nodes.Order());

    public static string Logs(LocalCluster cluster) => string.Join(Environment.NewLine, cluster.Nodes.Select(n =>
        File.Exists(n.LogPath) ? $"--- {n.Name}{Environment.NewLine}{string.Join(Environment.NewLine, File.ReadLines(n.LogPath).TakeLast(15))}" : ""));

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
