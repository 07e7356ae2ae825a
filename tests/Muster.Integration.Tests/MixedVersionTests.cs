using System.Diagnostics;
using Muster.Cli.Demo;

namespace Muster.Integration.Tests;

/// <summary>
/// A musterd of the wire-version-2 baseline (commit c4183ff, built by scripts/baseline-musterd.sh) and this build in
/// one cluster of real processes: the view speaks version 2, groups work across the two builds, and once the old node
/// has gone the view moves to version 3. Both orders: an old node joins new ones, and a new node joins old ones.
/// </summary>
[Collection(DaemonCollection.Name)]
public class MixedVersionTests
{
    private static readonly Lazy<string?> Baseline = new(BuildBaseline);

    // Null when the baseline commit is not in this clone's history (a shallow clone): the test then skips, naming why.
    private static string? BuildBaseline()
    {
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var info = new ProcessStartInfo("bash", [Path.Combine(root, "scripts/baseline-musterd.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("building the baseline musterd took more than 8 minutes");
        }

        if (process.ExitCode == 3)
        {
            return null;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/baseline-musterd.sh failed ({process.ExitCode}): {stderr.Result}");
        }

        string dir = stdout.Result.Trim();
        return File.Exists(Path.Combine(dir, "musterd")) ? Path.Combine(dir, "musterd") : Path.Combine(dir, "musterd.dll");
    }

    [Theory]
    [InlineData(new uint[] { 3 }, false)] // an old node joins two new ones
    [InlineData(new uint[] { 1, 2 }, true)] // a new node joins two old ones (node 1, the coordinator, is old)
    public async Task OldAndNewBuilds_FormOneVersion2View_GroupsWorkAcross_ThenVersion3(uint[] oldNodes, bool oldFirst)
    {
        var ct = TestContext.Current.CancellationToken;
        if (Baseline.Value is not { } baseline)
        {
            Assert.Skip("the baseline commit c4183ff is not in this clone's history (shallow clone?): clone with history to run the mixed-version tests");
            return;
        }

        await using var cluster = LocalCluster.Create(3, Muster.Configuration.TimingOptions.Test);
        foreach (var node in cluster.Nodes.Where(n => oldNodes.Contains(n.Id)))
        {
            node.DaemonPath = baseline;
        }

        var first = cluster.Nodes.Where(n => oldNodes.Contains(n.Id) == oldFirst).ToList();
        foreach (var node in first)
        {
            LocalCluster.Start(node);
        }

        await using var a = await LocalCluster.ConnectAsync(first[0], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(a))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => v.Members.Count == first.Count, ct);
            foreach (var node in cluster.Nodes.Except(first))
            {
                LocalCluster.Start(node);
            }

            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        }

        var oldNode = cluster.Nodes.First(n => oldNodes.Contains(n.Id));
        var newNode = cluster.Nodes.First(n => !oldNodes.Contains(n.Id));
        await using var oldClient = await LocalCluster.ConnectAsync(oldNode, Cluster.Step, ct);
        await using var newClient = await LocalCluster.ConnectAsync(newNode, Cluster.Step, ct);
        Assert.Equal(2, (await newClient.GetStatusAsync(ct)).ProtocolVersion);
        Assert.Equal(2, (await oldClient.GetStatusAsync(ct)).ProtocolVersion);

        // Group messages both ways, a small one and one of several fragments.
        await using var oldGroup = await oldClient.Groups.JoinAsync("mixed", ct);
        await using var newGroup = await newClient.Groups.JoinAsync("mixed", ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Cluster.Step);
        var big = Enumerable.Range(0, 20_000).Select(i => (byte)i).ToArray();

        async Task<List<int>> ReadAsync(Muster.Client.ProcessGroup group)
        {
            var sizes = new List<int>();
            await foreach (var ev in group.ReadEventsAsync(deadline.Token))
            {
                if (ev is Muster.Client.GroupMessage m)
                {
                    Assert.True(m.Payload.Length != big.Length || m.Payload.Span.SequenceEqual(big));
                    sizes.Add(m.Payload.Length);
                    if (sizes.Count == 2)
                    {
                        break;
                    }
                }
            }

            return sizes;
        }

        var atOld = ReadAsync(oldGroup);
        var atNew = ReadAsync(newGroup);
        await WaitForMembersAsync(newClient, "mixed", 2, ct);
        await WaitForMembersAsync(oldClient, "mixed", 2, ct);
        await oldGroup.SendAsync(big, ct);
        await newGroup.SendAsync("from the new build"u8.ToArray(), ct);
        Assert.Equal([big.Length, 18], (await atOld).Order().Reverse());
        Assert.Equal([big.Length, 18], (await atNew).Order().Reverse());

        // Without the old nodes the view speaks version 3.
        foreach (var node in cluster.Nodes.Where(n => oldNodes.Contains(n.Id)))
        {
            LocalCluster.Kill(node);
        }

        var survivors = cluster.Nodes.Where(n => !oldNodes.Contains(n.Id)).Select(n => n.Id).ToArray();
        await using (var watch = new MembershipWatcher(newClient))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, survivors), ct);
        }

        Assert.Equal(3, (await newClient.GetStatusAsync(ct)).ProtocolVersion);
    }

    private static async Task WaitForMembersAsync(Muster.Client.MusterClient client, string group, int count, CancellationToken ct)
    {
        var until = DateTime.UtcNow + Cluster.Step;
        while ((await client.Groups.GetMembersAsync(group, ct)).Count < count)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"group {group} did not reach {count} members");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }
}
