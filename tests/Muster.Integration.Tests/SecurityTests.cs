using Muster.Cli.Demo;
using Muster.Client;
using Muster.Configuration;
using Muster.Security;

namespace Muster.Integration.Tests;

[Collection(DaemonCollection.Name)]
public class SecurityTests
{
    private static long Counter(DaemonStatus status, string name) => status.Counters.Single(c => c.Key == name).Value;

    [Fact]
    public async Task NodeWithTheWrongKey_IsKeptOut_AndBothSidesLogWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(3, TimingOptions.Test);
        File.Delete(cluster.Nodes[2].KeyPath);
        var wrong = KeyFile.Generate(cluster.Nodes[2].KeyPath, force: false);
        var right = KeyFile.Read(cluster.Nodes[0].KeyPath, out _);
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var watch = new MembershipWatcher(client);
        await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);

        // Each side names the key it does not hold, and the fix.
        await Cluster.WaitForLogsAsync(cluster, ct,
            log => log.Contains($"sealed with key {wrong.FingerprintText}, which this node does not hold", StringComparison.Ordinal),
            null,
            log => log.Contains($"sealed with key {right.FingerprintText}, which this node does not hold", StringComparison.Ordinal) &&
                   log.Contains("the key files differ", StringComparison.Ordinal));

        Assert.True(Cluster.HasExactly(await client.Membership.GetCurrentViewAsync(ct), 1, 2));
        await using var outsider = await LocalCluster.ConnectAsync(cluster.Nodes[2], Cluster.Step, ct);
        // The refusals are logged at once; node 3's own view of itself comes after its join timeout: wait for it.
        await using var outsiderWatch = new MembershipWatcher(outsider);
        await Cluster.WaitForViewAsync(outsiderWatch, cluster, v => Cluster.HasExactly(v, 3), ct);
        Assert.DoesNotContain((await outsider.Membership.GetCurrentViewAsync(ct)).Members, m => m.NodeId.Value is 1 or 2);
        Assert.True(Counter(await client.GetStatusAsync(ct), "crypto_drop_unknown_key") > 0);
        Assert.True(Counter(await outsider.GetStatusAsync(ct), "crypto_drop_unknown_key") > 0);

        // The outsider no longer looks like a healthy 1-node cluster: `muster status` says why and exits 7, and so
        // does a node of the cluster, about the outsider.
        var alone = await Cluster.MusterAsync(ct, "status", "--socket", cluster.Nodes[2].SocketPath);
        Assert.True(alone.ExitCode == 7, $"exit {alone.ExitCode}\n{alone.Out}\n{alone.Error}");
        Assert.Contains($"they are sealed with key {right.FingerprintText}, which we do not hold", alone.Out, StringComparison.Ordinal);
        Assert.Contains("unknown_key", alone.Out, StringComparison.Ordinal);
        Assert.StartsWith("muster: node 3 (node3) is alone in its view: node ", alone.Error, StringComparison.Ordinal);
        var member = await Cluster.MusterAsync(ct, "nodes", "--socket", cluster.Nodes[0].SocketPath);
        Assert.True(member.ExitCode == 7, $"exit {member.ExitCode}\n{member.Out}\n{member.Error}");
        Assert.Contains($"node 3 (node3): we drop its packets: they are sealed with key {wrong.FingerprintText}", member.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnencryptedNode_IsKeptOutOfAnEncryptedCluster_BothSidesLogWhy_AndItWarnsAtStart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(2, TimingOptions.Test);
        string path = cluster.Nodes[1].ConfigPath;
        File.WriteAllText(path, File.ReadAllText(path).Replace("crypto = \"aes256gcm\"", "crypto = \"none\"", StringComparison.Ordinal));
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        await Cluster.WaitForLogsAsync(cluster, ct,
            log => log.Contains("dropped an unencrypted packet from node 2", StringComparison.Ordinal),
            log => log.Contains("neither authenticated nor encrypted", StringComparison.Ordinal) &&
                   log.Contains("dropped an encrypted packet from node 1", StringComparison.Ordinal));
        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(client))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1), ct);
        }

        var keys = await client.GetKeysAsync(ct);
        Assert.True(keys.Encrypted);
        await using var plain = await LocalCluster.ConnectAsync(cluster.Nodes[1], Cluster.Step, ct);
        Assert.False((await plain.GetKeysAsync(ct)).Encrypted);
        var refused = await Assert.ThrowsAsync<MusterException>(() => plain.RunKeyOperationAsync(KeyOperation.Load, ct));
        Assert.Contains("encryption is off", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyRotation_UnderTraffic_NoViewChange_NoMessageLost()
    {
        const int Nodes = 3;
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(Nodes);
        var clients = new List<MusterClient>();
        try
        {
            foreach (var node in cluster.Nodes)
            {
                clients.Add(await LocalCluster.ConnectAsync(node, Cluster.Step, ct));
            }

            ClusterView formed;
            await using (var watch = new MembershipWatcher(clients[0]))
            {
                formed = (await Cluster.WaitForViewAsync(watch, cluster, v => v.Members.Count == Nodes, ct)).View;
            }

            var groups = new List<ProcessGroup>();
            foreach (var c in clients)
            {
                groups.Add(await c.Groups.JoinAsync("rotation", ct));
            }

            // Every node counts the sender's messages in order, and any group membership change after all joined.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var received = new int[Nodes];
            var disorder = new int[Nodes];
            var changesAfterFull = new int[Nodes];
            var readers = groups.Select((g, i) => Task.Run(async () =>
            {
                bool full = false;
                try
                {
                    await foreach (var ev in g.ReadEventsAsync(stop.Token))
                    {
                        if (ev is GroupMembershipChange change)
                        {
                            if (full)
                            {
                                Interlocked.Increment(ref changesAfterFull[i]);
                            }

                            full |= change.Members.Count == Nodes;
                        }
                        else if (ev is GroupMessage m)
                        {
                            int seq = BitConverter.ToInt32(m.Payload.Span);
                            if (seq != Volatile.Read(ref received[i]))
                            {
                                Interlocked.Increment(ref disorder[i]);
                            }

                            Interlocked.Increment(ref received[i]);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, ct)).ToList();

            // The sender: node 1, as fast as flow control lets one outstanding send go, until told to stop.
            int sent = 0;
            using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var sender = Task.Run(async () =>
            {
                while (!stopSending.IsCancellationRequested)
                {
                    await groups[0].SendAsync(BitConverter.GetBytes(sent), ct);
                    sent++;
                }
            }, ct);

            async Task TrafficFlowsAsync()
            {
                int target = Volatile.Read(ref received[Nodes - 1]) + 50;
                var deadline = DateTime.UtcNow + Cluster.Step;
                while (received.Any(r => Volatile.Read(ref r) < target))
                {
                    Assert.True(DateTime.UtcNow < deadline, $"traffic stalled: received {string.Join(",", received)}{Environment.NewLine}{Cluster.Logs(cluster)}");
                    await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
                }
            }

            await TrafficFlowsAsync();
            // The operator copies the new key file to every node, then runs each phase on every node in turn.
            string newKey = Path.Combine(cluster.Directory, "new.key");
            var next = KeyFile.Generate(newKey, force: false);
            foreach (var node in cluster.Nodes)
            {
                File.Delete(node.KeyPath);
                File.Copy(newKey, node.KeyPath);
            }

            foreach (var operation in new[] { KeyOperation.Load, KeyOperation.Activate, KeyOperation.Retire })
            {
                foreach (var c in clients)
                {
                    await c.RunKeyOperationAsync(operation, ct);
                    await TrafficFlowsAsync();
                }
            }

            await stopSending.CancelAsync();
            await sender;
            var drainDeadline = DateTime.UtcNow + Cluster.Step;
            while (received.Any(r => Volatile.Read(ref r) < sent) && DateTime.UtcNow < drainDeadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            }

            await stop.CancelAsync();
            await Task.WhenAll(readers);

            Assert.All(received, r => Assert.Equal(sent, r));
            Assert.All(disorder, d => Assert.Equal(0, d));
            Assert.All(changesAfterFull, c => Assert.Equal(0, c));
            foreach (var c in clients)
            {
                var view = await c.Membership.GetCurrentViewAsync(ct);
                Assert.Equal(formed.ViewId, view.ViewId);
                var keys = await c.GetKeysAsync(ct);
                var only = Assert.Single(keys.Keys);
                Assert.Equal(next.Fingerprint, only.Fingerprint);
                Assert.Equal(KeyRole.Current, only.Role);
                var status = await c.GetStatusAsync(ct);
                Assert.Equal(0, Counter(status, "crypto_drop_unknown_key"));
                Assert.Equal(0, Counter(status, "crypto_drop_auth_failed"));
            }

            Assert.True(sent > 500, $"only {sent} messages were sent during the rotation");
        }
        finally
        {
            foreach (var c in clients)
            {
                await c.DisposeAsync();
            }
        }
    }
}
