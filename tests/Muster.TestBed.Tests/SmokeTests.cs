namespace Muster.TestBed.Tests;

[Collection(TestBedCollection.Name)]
public class SmokeTests
{
    [Fact]
    public async Task FiveNodesInNamespaces_FormOneView_AndSigkillOfOneGivesAViewWithoutIt()
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions { Nodes = 5 });
        await using var _ = cluster;
        await using var __ = board;

        // Each daemon really is in its own namespace, known to the others by its namespace address.
        var view = board.Views[1];
        Assert.All(cluster.Nodes, n => Assert.Contains(n.Addresses[0].ToString(),
            view.Members.Single(m => m.NodeId.Value == n.Id).Addresses.Select(a => a.Split(':')[0])));
        var first = view.ViewId;

        cluster.Kill(5);
        await board.WaitForViewAsync([1, 2, 3, 4], Bed.Step, Bed.Token);
        Assert.True(board.Views[1].ViewId > first);
    }

    [Fact]
    public void Dispose_RemovesNamespacesBridgesAndFiles()
    {
        Bed.RequireOrSkip();
        var cluster = NetnsCluster.Create(new TestBedOptions { Nodes = 2, Networks = 2 });
        string ns = cluster[1].Namespace;
        string dir = cluster.Directory;
        Assert.Contains(ns, Shell("ip", "netns", "list"));
        Assert.Contains($"mt{cluster.Run}br2", Shell("ip", "-o", "link", "show"));
        Assert.Contains("10.82.", Shell("ip", "-n", ns, "-o", "addr", "show", "dev", "eth1"));
        cluster.StartAll();
        var pids = cluster.Nodes.Select(n => n.Process!.Id).ToList();

        cluster.Dispose();

        Assert.DoesNotContain(ns, Shell("ip", "netns", "list").Split('\n').Select(l => l.Split(' ')[0]));
        Assert.DoesNotContain($"mt{cluster.Run}br", Shell("ip", "-o", "link", "show"));
        Assert.False(Directory.Exists(dir));
        Assert.All(cluster.Nodes, n => Assert.False(n.Running));
        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"daemon {pid} still runs"));
    }

    private static string Shell(string file, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file, args) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
