using System.Text.Json;
using Muster.Cli.Demo;
using Muster.Client;
using Muster.Configuration;

namespace Muster.Integration.Tests;

// Fencing on real daemons: a SIGKILLed node is fenced by a survivor through a real agent process (a script that
// records what it was given on stdin), the history says so, and the other survivor knows it too.
[Collection(DaemonCollection.Name)]
public class FencingTests
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task A_killed_node_is_fenced_through_the_agent_and_the_history_says_so()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(3, TimingOptions.Test);
        string record = Path.Combine(cluster.Directory, "fenced");
        string agent = Path.Combine(cluster.Directory, "fence_record");
        await File.WriteAllTextAsync(agent, $"#!/bin/sh\ncat >> {record}\necho --- >> {record}\necho \"recorded\"\nexit 0\n", ct);
        File.SetUnixFileMode(agent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var node in cluster.Nodes)
        {
            var config = ConfigLoader.LoadFile(node.ConfigPath);
            var fencing = new FencingConfig
            {
                Devices = [new FenceDeviceConfig("record", agent, [new("ipaddr", "192.0.2.1")], [new(cluster.Nodes[2].Name, "plug-3")], TimeSpan.FromSeconds(20))],
                Levels = [.. cluster.Nodes.Select(n => new FenceLevelConfig(n.Name, 1, ["record"]))],
            };
            await File.WriteAllTextAsync(node.ConfigPath, ConfigWriter.Write(config with { Fencing = fencing }), ct);
            LocalCluster.Start(node);
        }

        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var watch = new MembershipWatcher(client);
        await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        await using var other = await LocalCluster.ConnectAsync(cluster.Nodes[1], Cluster.Step, ct);
        using var gateDeadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        gateDeadline.CancelAfter(Cluster.Step);
        var gates = other.Fencing.TrackRecoveryAsync(gateDeadline.Token).GetAsyncEnumerator(gateDeadline.Token);
        // The first MoveNextAsync sends the subscription, synchronously up to taking the connection's send lock; a
        // request made after it on the same connection is written after it, and the daemon answers a connection's
        // requests in order, so once this answer is in, the subscription is registered.
        var firstGate = gates.MoveNextAsync().AsTask();
        await other.Fencing.GetAsync(ct);

        LocalCluster.Kill(cluster.Nodes[2]);
        await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        await Cluster.WaitForLogsAsync(cluster, ct,
            log => log.Contains("is recoverable in view", StringComparison.Ordinal),
            log => log.Contains("is recoverable in view", StringComparison.Ordinal));

        Assert.True(await firstGate, "the recovery stream ended without an event");
        Assert.Equal((3u, "fenced"), (gates.Current.NodeId.Value, gates.Current.How));
        await gates.DisposeAsync();

        string given = await File.ReadAllTextAsync(record, ct);
        Assert.Contains("action=reboot\nplug=plug-3\n", given, StringComparison.Ordinal);
        Assert.Contains("ipaddr=192.0.2.1", given, StringComparison.Ordinal);

        var state = await client.Fencing.GetAsync(ct);
        Assert.Empty(state.Pending);
        Assert.Empty(state.AwaitingRecovery);
        var step = Assert.Single(state.History);
        Assert.Equal((3u, "succeeded", "record", 1u), (step.Target.Value, step.Outcome, step.Device, step.Actor.Value));
        Assert.Contains("recorded", step.Output, StringComparison.Ordinal);

        var (code, json, _) = await Cluster.MusterAsync(ct, "fence", "history", "--json", "--socket", cluster.Nodes[1].SocketPath);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("succeeded", doc.RootElement.GetProperty("history")[0].GetProperty("result").GetString());

        // Node 3 is gone from the view and fenced: nothing left to acknowledge.
        (code, _, string error) = await Cluster.MusterAsync(ct, "fence", "ack", "3", "--socket", cluster.Nodes[0].SocketPath);
        Assert.Equal(1, code);
        Assert.Contains("is not pending fence", error, StringComparison.Ordinal);
        (code, _, error) = await Cluster.MusterAsync(ct, "fence", "ack", cluster.Nodes[1].Name, "--socket", cluster.Nodes[0].SocketPath);
        Assert.Equal(1, code);
        Assert.Contains("is in the view", error, StringComparison.Ordinal);
    }
}
