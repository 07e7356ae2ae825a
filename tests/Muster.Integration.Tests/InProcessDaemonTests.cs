using System.Text;
using Muster.Cli.Demo;
using Muster.Client;
using Muster.Configuration;
using Muster.Core;

namespace Muster.Integration.Tests;

/// <summary>
/// Real daemons in this process on an in-memory network (<see cref="InProcessCluster"/>), driven through
/// <see cref="MusterClient"/>: the daemon shell's behaviour (views, partitions, flow control) without UDP or processes,
/// with the network under the test's control.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class InProcessDaemonTests
{
    private static readonly TimeSpan Step = InProcessCluster.Step;

    [Fact]
    public async Task ThreeDaemons_OnAnInMemoryNetwork_FormOneView()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = InProcessCluster.Start(3);
        var clients = new List<MusterClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                clients.Add(await cluster.ConnectAsync(i, ct));
            }

            var views = new List<ClusterView>();
            foreach (var client in clients)
            {
                await using var watcher = new MembershipWatcher(client);
                views.Add((await WaitForViewAsync(watcher, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct)).View);
            }

            // Each daemon reports itself, and the datagrams went over the in-memory transport, not UDP.
            for (int i = 0; i < 3; i++)
            {
                var status = await clients[i].GetStatusAsync(ct);
                Assert.Equal((uint)(i + 1), status.NodeId.Value);
                Assert.Contains(status.Counters, c => c.Key == "mem_packets_received" && c.Value > 0);
                Assert.DoesNotContain(status.Counters, c => c.Key.StartsWith("udp_", StringComparison.Ordinal));
            }

            Assert.True(cluster.Network.Delivered > 0);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Partition_SplitsTheView_AndHealingMergesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = InProcessCluster.Start(3);
        await using var one = await cluster.ConnectAsync(0, ct);
        await using var two = await cluster.ConnectAsync(1, ct);
        await using var three = await cluster.ConnectAsync(2, ct);
        await using var watchOne = new MembershipWatcher(one);
        await using var watchTwo = new MembershipWatcher(two);
        await using var watchThree = new MembershipWatcher(three);
        foreach (var watcher in new[] { watchOne, watchTwo, watchThree })
        {
            await WaitForViewAsync(watcher, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        }

        cluster.Network.Partition([new NodeId(1)], [new NodeId(2), new NodeId(3)]);

        await WaitForViewAsync(watchOne, cluster, v => Cluster.HasExactly(v, 1), ct);
        var minority = await WaitForViewAsync(watchTwo, cluster, v => Cluster.HasExactly(v, 2, 3), ct);
        await WaitForViewAsync(watchThree, cluster, v => v.ViewId == minority.View.ViewId, ct);
        Assert.True(cluster.Network.DroppedByCut > 0);

        cluster.Network.Heal();

        var merged = await WaitForViewAsync(watchOne, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        await WaitForViewAsync(watchTwo, cluster, v => v.ViewId == merged.View.ViewId, ct);
        await WaitForViewAsync(watchThree, cluster, v => v.ViewId == merged.View.ViewId, ct);
        Assert.True(merged.View.ViewId.CompareTo(minority.View.ViewId) > 0);
    }

    [Fact]
    public async Task BlockedSend_IsHeldByTheDaemon_AndAnsweredInOrderOnceTheClusterCanTakeIt()
    {
        var ct = TestContext.Current.CancellationToken;
        // A send queue of about one message (max_pending_bytes is raised to one message plus the group header), and
        // a failure timeout far beyond the test: cutting the links stalls ordering without changing the view.
        var limits = new LimitOptions { MaxMessageSize = 1024, MaxPendingBytes = 1024 };
        var timing = TimingOptions.Test with { FailureTimeout = TimeSpan.FromSeconds(60), ConsensusTimeout = TimeSpan.FromSeconds(5) };
        await using var cluster = InProcessCluster.Start(2, timing, limits);
        await using var first = await cluster.ConnectAsync(0, ct);
        await using var second = await cluster.ConnectAsync(1, ct);
        await using (var watcher = new MembershipWatcher(first))
        {
            await WaitForViewAsync(watcher, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        }

        // The sender is the node that is not the view's sequencer: its messages need the network to be ordered.
        var status = await first.GetStatusAsync(ct);
        int senderIndex = status.ViewId.Coordinator.Value == 1 ? 1 : 0;
        var sender = senderIndex == 0 ? first : second;
        var receiver = senderIndex == 0 ? second : first;
        // A second client on the sender's node, for queries and a NoWait send while the first client's sends are held.
        await using var observer = await cluster.ConnectAsync(senderIndex, ct, "observer");

        await using var sendGroup = await sender.Groups.JoinAsync("held", ct);
        await using var readGroup = await receiver.Groups.JoinAsync("held", ct);
        await using var otherGroup = await observer.Groups.JoinAsync("other", ct);
        await using var sent = sendGroup.ReadEventsAsync(ct).GetAsyncEnumerator(ct);
        await using var received = readGroup.ReadEventsAsync(ct).GetAsyncEnumerator(ct);
        await NextAsync<GroupMembershipChange>(received, c => c.Members.Count == 2, cluster);

        cluster.Network.SetConnected(new NodeId(1), new NodeId(2), connected: false);

        byte[][] messages = [.. Enumerable.Range(1, 3).Select(i => Encoding.ASCII.GetBytes($"m{i}:" + new string('x', 990)))];
        // The first fits the empty queue and is accepted at once; the next two cannot fit behind it.
        await sendGroup.SendAsync(messages[0], ct).AsTask().WaitAsync(Step, ct);
        Task secondSend = sendGroup.SendAsync(messages[1], ct).AsTask();
        Task thirdSend = sendGroup.SendAsync(messages[2], ct).AsTask();

        await WaitForCounterAsync(observer, "requests_waiting", v => v == 2, cluster, ct);
        Assert.False(secondSend.IsCompleted, "a send the cluster could not take was answered");
        Assert.False(thirdSend.IsCompleted, "a send behind a held one was answered");
        // Another client's NoWait send is not held: it is told to try again, now.
        Assert.Equal(SendResult.TryAgain, await otherGroup.TrySendAsync(messages[0], ct).AsTask().WaitAsync(Step, ct));

        cluster.Network.Heal();

        await Task.WhenAll(secondSend, thirdSend).WaitAsync(Step, ct);
        foreach (var events in new[] { received, sent })
        {
            for (int i = 0; i < messages.Length; i++)
            {
                var message = await NextAsync<GroupMessage>(events, _ => true, cluster);
                Assert.Equal(messages[i], message.Payload.ToArray());
            }
        }

        var after = await observer.GetStatusAsync(ct);
        Assert.Equal(0, Counter(after, "requests_waiting"));
        Assert.True(Counter(after, "requests_held") >= 2);
        // Held, not failed over: the view never changed while the links were cut.
        Assert.Equal(status.ViewId, after.ViewId);
    }

    private static long Counter(DaemonStatus status, string name) => status.Counters.First(c => c.Key == name).Value;

    private static async Task WaitForCounterAsync(MusterClient client, string name, Func<long, bool> condition,
        InProcessCluster cluster, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Step;
        long value;
        while (!condition(value = Counter(await client.GetStatusAsync(ct), name)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name} stayed at {value} for {Step.TotalSeconds:F0} s{Environment.NewLine}{cluster.Logs()}");
            }

            // Polls the daemon's own counter (an event of the daemon's), until the deadline above.
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }

    private static async Task<T> NextAsync<T>(IAsyncEnumerator<GroupEvent> events, Func<T, bool> match, InProcessCluster cluster)
        where T : GroupEvent
    {
        var deadline = DateTime.UtcNow + Step;
        while (true)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            bool more;
            try
            {
                more = left > TimeSpan.Zero && await events.MoveNextAsync().AsTask().WaitAsync(left);
            }
            catch (TimeoutException)
            {
                more = false;
            }

            if (!more)
            {
                throw new TimeoutException($"no {typeof(T).Name} within {Step.TotalSeconds:F0} s{Environment.NewLine}{cluster.Logs()}");
            }

            if (events.Current is T found && match(found))
            {
                return found;
            }
        }
    }

    private static async Task<ClusterMembershipNotification> WaitForViewAsync(MembershipWatcher watcher, InProcessCluster cluster,
        Func<ClusterView, bool> predicate, CancellationToken ct)
    {
        try
        {
            return await watcher.WaitForAsync(predicate, Step, null, ct);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{cluster.Logs()}", e);
        }
    }
}
