using System.Security.Cryptography;
using Muster.Client;
using Muster.Security;

namespace Muster.TestBed.Tests;

[Collection(TestBedCollection.Name)]
public class SecurityTests
{
    private static void WriteKey(TestBedNode node, byte[] key)
    {
        File.Delete(node.KeyPath);
        File.WriteAllBytes(node.KeyPath, key);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(node.KeyPath, UnixFileMode.UserRead);
        }
    }

    private static async Task WaitForLogAsync(TestBedNode node, string text)
    {
        var deadline = DateTime.UtcNow + Bed.Step;
        while (!(File.Exists(node.LogPath) && (await File.ReadAllTextAsync(node.LogPath, Bed.Token)).Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{node.Name}'s log never said: {text}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), Bed.Token);
        }
    }

    /// <summary>Node 3 holds another key file: it never joins, and both sides' logs name the key they cannot open.</summary>
    [Fact]
    public async Task NodeWithTheWrongKey_IsKeptOut_AndBothSidesLogWhy()
    {
        Bed.RequireOrSkip();
        using var cluster = NetnsCluster.Create(new TestBedOptions { Nodes = 3 });
        WriteKey(cluster[3], RandomNumberGenerator.GetBytes(32));
        var right = KeyFile.Read(cluster[1].KeyPath, out _);
        var wrong = KeyFile.Read(cluster[3].KeyPath, out _);
        cluster.StartAll();
        await using var board = await ViewBoard.StartAsync(cluster, Bed.Step, Bed.Token);
        await board.WaitUntilAsync(b => b.MembersOf(1).SequenceEqual([1, 2]) && b.MembersOf(2).SequenceEqual([1, 2]),
            Bed.Step, "nodes 1 and 2 in a view without node 3", Bed.Token);
        await WaitForLogAsync(cluster[1], $"sealed with key {wrong.FingerprintText}, which this node does not hold");
        await WaitForLogAsync(cluster[3], $"sealed with key {right.FingerprintText}, which this node does not hold");
        Assert.DoesNotContain(1, board.MembersOf(3));
        Assert.DoesNotContain(2, board.MembersOf(3));
    }

    /// <summary>
    /// The operator's rotation, phase by phase on every node, while group traffic runs between the namespaces: no view
    /// change, no group membership change, every message delivered in order, and only the new key left.
    /// </summary>
    [Fact]
    public async Task KeyRotation_UnderTraffic_NoViewChange_NoMessageLost()
    {
        var (cluster, board) = await Bed.StartAsync(new TestBedOptions { Nodes = 3 });
        await using var ownedCluster = cluster;
        await using var ownedBoard = board;
        var all = cluster.Nodes.Select(n => n.Index).ToList();
        var clients = new List<MusterClient>();
        try
        {
            foreach (int i in all)
            {
                clients.Add(await cluster.ConnectAsync(i, Bed.Step, Bed.Token));
            }

            await using var traffic = await GroupTraffic.JoinAsync(cluster, "rotation", all, Bed.Step, Bed.Token);
            var changesBefore = board.Changes;
            var sending = traffic.SendAsync(300, TimeSpan.FromSeconds(15), Bed.Token);

            byte[] next = RandomNumberGenerator.GetBytes(32);
            foreach (var node in cluster.Nodes)
            {
                WriteKey(node, next);
            }

            var nextKey = KeyFile.Read(cluster[1].KeyPath, out _);
            foreach (var operation in new[] { KeyOperation.Load, KeyOperation.Activate, KeyOperation.Retire })
            {
                foreach (var client in clients)
                {
                    await client.RunKeyOperationAsync(operation, Bed.Token);
                }

                // Pacing between phases, as an operator would (not synchronisation: the test waits for delivery below).
                await Task.Delay(TimeSpan.FromSeconds(1), Bed.Token);
            }

            await sending;
            await traffic.WaitForDeliveryAsync(Bed.Step, Bed.Token);
            Assert.Empty(traffic.Check());
            Assert.Equal(changesBefore, board.Changes);
            Assert.Empty(traffic.MembershipChangesAfterJoin());
            foreach (var client in clients)
            {
                var key = Assert.Single((await client.GetKeysAsync(Bed.Token)).Keys);
                Assert.Equal(nextKey.Fingerprint, key.Fingerprint);
                var status = await client.GetStatusAsync(Bed.Token);
                Assert.Equal(0, status.Counters.Single(c => c.Key == "crypto_drop_unknown_key").Value);
                Assert.Equal(0, status.Counters.Single(c => c.Key == "crypto_drop_auth_failed").Value);
            }

            Assert.True(traffic.TotalSent >= 3000, $"only {traffic.TotalSent} messages were sent during the rotation");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
