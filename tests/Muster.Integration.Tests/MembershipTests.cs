using Muster.Cli.Demo;
using Muster.Client;

namespace Muster.Integration.Tests;

[Collection(DaemonCollection.Name)]
public class MembershipTests
{
    [Fact]
    public async Task ThreeDaemons_SigkillOne_SurvivorsInstallViewWithoutIt_AndItRejoinsAsNewIncarnation()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(3);
        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var watch = new MembershipWatcher(client);
        var formed = await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        ulong oldIncarnation = formed.View.Members.Single(m => m.NodeId.Value == 3).Incarnation;

        LocalCluster.Kill(cluster.Nodes[2]);
        var without = await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        Assert.True(without.ViewId > formed.ViewId);
        var left = Assert.Single(without.Items, i => i.Change is MembershipChange.Failed or MembershipChange.Left);
        Assert.Equal(MembershipChange.Failed, left.Change);
        Assert.Equal(3u, left.Member.NodeId.Value);

        LocalCluster.Start(cluster.Nodes[2]);
        var back = await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        Assert.True(back.ViewId > without.ViewId);
        Assert.True(back.View.Members.Single(m => m.NodeId.Value == 3).Incarnation > oldIncarnation);
    }

    [Fact]
    public async Task CleanLeave_IsReportedAsLeave_NotFailure()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(3);
        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var watch = new MembershipWatcher(client);
        await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);

        await using (var leaver = await LocalCluster.ConnectAsync(cluster.Nodes[1], Cluster.Step, ct))
        {
            await leaver.LeaveClusterAsync(ct);
        }

        var after = await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 3), ct);
        var left = Assert.Single(after.Items, i => i.Member.NodeId.Value == 2);
        Assert.Equal(MembershipChange.Left, left.Change);
        await cluster.Nodes[1].Process!.WaitForExitAsync(ct).WaitAsync(Cluster.Step, ct);
        Assert.Equal(0, cluster.Nodes[1].Process!.ExitCode);
    }

    [Fact]
    public async Task NodeWithOtherConfigVersion_IsRefused_AndBothSidesLogWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Muster.Cli.Demo.LocalCluster.Create(2, Muster.Configuration.TimingOptions.Test);
        // Give node 2 a different config version: it must never join node 1's view.
        var path = cluster.Nodes[1].ConfigPath;
        File.WriteAllText(path, File.ReadAllText(path).Replace("config_version = 1", "config_version = 2", StringComparison.Ordinal));
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var watch = new MembershipWatcher(client);
        await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1), ct);

        // Wait until both logs carry the refusal (each side names the other's version), with a deadline.
        var deadline = DateTime.UtcNow + Cluster.Step;
        bool bothLogged = false;
        while (!bothLogged && DateTime.UtcNow < deadline)
        {
            string log1 = File.Exists(cluster.Nodes[0].LogPath) ? await File.ReadAllTextAsync(cluster.Nodes[0].LogPath, ct) : "";
            string log2 = File.Exists(cluster.Nodes[1].LogPath) ? await File.ReadAllTextAsync(cluster.Nodes[1].LogPath, ct) : "";
            bothLogged = log1.Contains("config version 2 differs", StringComparison.Ordinal) &&
                         log2.Contains("config version 1 differs", StringComparison.Ordinal);
            if (!bothLogged)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }

        Assert.True(bothLogged, Cluster.Logs(cluster));
        var view = await client.Membership.GetCurrentViewAsync(ct);
        Assert.True(Cluster.HasExactly(view, 1));
    }
}
