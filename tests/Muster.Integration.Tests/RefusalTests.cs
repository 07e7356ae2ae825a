using System.Text.Json;
using Muster.Cli.Demo;
using Muster.Configuration;

namespace Muster.Integration.Tests;

// Every refusal visible on both sides: nodes whose node lists differ keep each other out, and both logs and
// `muster status` say why (as they do for another config version, see MembershipTests).
[Collection(DaemonCollection.Name)]
public class RefusalTests
{
    private static void Rewrite(LocalNode node, Func<ClusterConfig, ClusterConfig> change)
    {
        var config = ConfigLoader.LoadFile(node.ConfigPath);
        File.WriteAllText(node.ConfigPath, ConfigWriter.Write(change(config)));
    }

    [Fact]
    public async Task NodeWhoseConfigLacksAnotherNode_IsRefused_AndBothLogsAndStatusSayWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(3, TimingOptions.Test);
        // Node 3's muster.toml lacks node 2.
        Rewrite(cluster.Nodes[2], c => c with { Nodes = [.. c.Nodes.Where(n => n.Id != 2)] });
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(client))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        }

        string node2 = $"{cluster.Nodes[1].Address}:{cluster.Port}";
        await Cluster.WaitForLogsAsync(cluster, ct,
            log => log.Contains("refused node 3: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)", StringComparison.Ordinal) &&
                   log.Contains("node 3 refuses us: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)", StringComparison.Ordinal),
            null,
            log => log.Contains($"dropped datagrams from {node2}, which is not in our node list: the node lists differ", StringComparison.Ordinal) &&
                   log.Contains("refused node 1: its node list differs from ours", StringComparison.Ordinal) &&
                   log.Contains("node 1 refuses us: its node list differs from ours (it lists nodes 1,2,3; we list 1,3)", StringComparison.Ordinal));

        // Node 3, alone: `muster status` says why and exits 8 (the configurations differ).
        var outsider = await Cluster.MusterAsync(ct, "status", "--socket", cluster.Nodes[2].SocketPath);
        Assert.True(outsider.ExitCode == 8, $"exit {outsider.ExitCode}\n{outsider.Out}\n{outsider.Error}");
        Assert.Contains("Refusals (", outsider.Out, StringComparison.Ordinal);
        Assert.Contains($"{node2}", outsider.Out, StringComparison.Ordinal);
        Assert.Contains("unknown_address", outsider.Out, StringComparison.Ordinal);
        Assert.Contains("it lists nodes 1,2,3; we list 1,3", outsider.Out, StringComparison.Ordinal);
        Assert.StartsWith("muster: node 3 (node3) ", outsider.Error, StringComparison.Ordinal);

        // Node 1, in a view with node 2: its status names node 3 and why, and exits 8 too.
        var member = await Cluster.MusterAsync(ct, "status", "--json", "--socket", cluster.Nodes[0].SocketPath);
        Assert.True(member.ExitCode == 8, $"exit {member.ExitCode}\n{member.Out}\n{member.Error}");
        using (var doc = JsonDocument.Parse(member.Out))
        {
            var refusals = doc.RootElement.GetProperty("refusals").EnumerateArray().ToList();
            Assert.Contains(refusals, r => r.GetProperty("node_id").GetUInt32() == 3 && r.GetProperty("reason").GetString() == "node_list" &&
                r.GetProperty("direction").GetString() == "inbound" &&
                r.GetProperty("text").GetString()!.Contains("it lists nodes 1,3; we list 1,2,3", StringComparison.Ordinal));
            Assert.True(doc.RootElement.GetProperty("counters").GetProperty("refused_node_list").GetInt64() > 0);
        }

        // Node 3 never sends to node 2, whose address is not in its list: node 2 has heard nothing from it at all.
        var bystander = await Cluster.MusterAsync(ct, "status", "--json", "--socket", cluster.Nodes[1].SocketPath);
        Assert.True(bystander.ExitCode == 0, $"exit {bystander.ExitCode}\n{bystander.Out}\n{bystander.Error}");
        using (var doc = JsonDocument.Parse(bystander.Out))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("refusals").GetArrayLength());
            Assert.Equal(0, doc.RootElement.GetProperty("counters").GetProperty("refused_node_list").GetInt64());
            Assert.Equal(0, doc.RootElement.GetProperty("counters").GetProperty("udp_unknown_source").GetInt64());
        }

        Assert.DoesNotContain("node 3", await File.ReadAllTextAsync(cluster.Nodes[1].LogPath, ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeWhoseListNamesANodeDifferently_IsRefused_NamingThatNode()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(3, TimingOptions.Test);
        // Same ids and addresses, but node 3 calls node 2 "beta".
        Rewrite(cluster.Nodes[2], c => c with { Nodes = [.. c.Nodes.Select(n => n.Id == 2 ? n with { Name = "beta" } : n)] });
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        const string Difference = "it lists the same nodes, 1,2,3; node 2 has another name or other addresses there";
        await Cluster.WaitForLogsAsync(cluster, ct,
            log => log.Contains($"node 3 refuses us: its node list differs from ours ({Difference})", StringComparison.Ordinal),
            log => log.Contains($"node 3 refuses us: its node list differs from ours ({Difference})", StringComparison.Ordinal),
            log => log.Contains($"node 1 refuses us: its node list differs from ours ({Difference})", StringComparison.Ordinal) &&
                   log.Contains($"node 2 refuses us: its node list differs from ours ({Difference})", StringComparison.Ordinal));

        var outsider = await Cluster.MusterAsync(ct, "nodes", "--socket", cluster.Nodes[2].SocketPath);
        Assert.True(outsider.ExitCode == 8, $"exit {outsider.ExitCode}\n{outsider.Out}\n{outsider.Error}");
        Assert.Contains(Difference, outsider.Out, StringComparison.Ordinal);
    }
}
