using System.Text.Json;
using Muster.Cli.Demo;
using Muster.Client;

namespace Muster.Integration.Tests;

[Collection(DaemonCollection.Name)]
public class QuorumTests
{
    [Fact]
    public async Task ThreeDaemons_LoseTwo_LastIsInquorate_UntilTheOperatorLowersExpectedVotes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(3);
        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var stream = new QuorumWatcher(client, ct);

        var all = await stream.WaitForAsync(q => q.Quorate && q.Synced && q.Nodes.Count == 3, cluster, ct);
        Assert.Equal((3, 3, 2), (all.ExpectedVotes, all.TotalVotes, all.Quorum));
        Assert.Equal(QuorumReason.EnoughVotes, all.Reason);
        Assert.All(all.Nodes, n => Assert.Equal(3, n.ExpectedVotes));

        LocalCluster.Kill(cluster.Nodes[2]);
        var two = await stream.WaitForAsync(q => q.Nodes.Count == 2, cluster, ct);
        Assert.True(two.Quorate, "two of three votes are a majority");
        Assert.Equal((3, 2, 2), (two.ExpectedVotes, two.TotalVotes, two.Quorum));

        LocalCluster.Kill(cluster.Nodes[1]);
        var one = await stream.WaitForAsync(q => q.Nodes.Count == 1, cluster, ct);
        Assert.False(one.Quorate, "one vote of three expected is not a majority");
        Assert.Equal(QuorumReason.NotEnoughVotes, one.Reason);

        // Refused: below the votes present.
        var error = await Assert.ThrowsAsync<MusterException>(() => client.Quorum.SetExpectedVotesAsync(0, ct));
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);

        // The operator's recovery on the inquorate side: allowed, and an override.
        var result = await client.Quorum.SetExpectedVotesAsync(1, ct);
        Assert.True(result.Override);
        var recovered = await stream.WaitForAsync(q => q.Quorate, cluster, ct);
        Assert.Equal((1, 1, 1), (recovered.ExpectedVotes, recovered.TotalVotes, recovered.Quorum));
        await Cluster.WaitForLogsAsync(cluster, ct, log => log.Contains("operator override by uid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MusterQuorum_ShowsTheStateAsText_AndJson_AndRefusesAChangeThatWouldLoseQuorum()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(3);
        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var stream = new QuorumWatcher(client, ct);
        await stream.WaitForAsync(q => q.Quorate && q.Synced && q.Nodes.Count == 3, cluster, ct);
        string socket = cluster.Nodes[0].SocketPath;

        var (code, text, _) = await Cluster.MusterAsync(ct, "quorum", "--socket", socket);
        Assert.Equal(0, code);
        Assert.Contains("Quorate:          Yes", text, StringComparison.Ordinal);
        Assert.Contains("Expected votes:   3", text, StringComparison.Ordinal);
        Assert.Contains("Quorum:           2", text, StringComparison.Ordinal);
        Assert.Contains("(local)", text, StringComparison.Ordinal);

        (code, string json, _) = await Cluster.MusterAsync(ct, "quorum", "--json", "--socket", socket);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("quorate").GetBoolean());
        Assert.Equal(3, doc.RootElement.GetProperty("total_votes").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("nodes").GetArrayLength());
        Assert.Contains("quorate", doc.RootElement.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));

        // 9 expected votes would need quorum 5 with 3 present: refused on a quorate partition, with the reason.
        (code, _, string error) = await Cluster.MusterAsync(ct, "quorum", "expected", "9", "--socket", socket);
        Assert.Equal(1, code);
        Assert.Contains("would make this quorate partition inquorate", error, StringComparison.Ordinal);

        // A node's votes, by name: applied on every member in order.
        (code, string set, _) = await Cluster.MusterAsync(ct, "quorum", "votes", cluster.Nodes[2].Name, "2", "--socket", socket);
        Assert.Equal(0, code);
        Assert.Contains("votes set to 2", set, StringComparison.Ordinal);
        var after = await stream.WaitForAsync(q => q.TotalVotes == 4, cluster, ct);
        Assert.Equal(4, after.ExpectedVotes);
        Assert.Equal(3, after.Quorum);

        await using var other = await LocalCluster.ConnectAsync(cluster.Nodes[1], Cluster.Step, ct);
        var seen = await other.Quorum.GetAsync(ct);
        Assert.Equal(4, seen.TotalVotes);

        (code, _, error) = await Cluster.MusterAsync(ct, "quorum", "unblock", "--socket", socket);
        Assert.Equal(1, code);
        Assert.Contains("wait_for_all is off", error, StringComparison.Ordinal);
    }

    /// <summary>Reads <see cref="ClusterQuorum.TrackAsync"/> in the background so a test can wait for a state with a deadline.</summary>
    private sealed class QuorumWatcher : IAsyncDisposable
    {
        private readonly System.Threading.Channels.Channel<QuorumInfo> _seen = System.Threading.Channels.Channel.CreateUnbounded<QuorumInfo>();
        private readonly CancellationTokenSource _stop;
        private readonly Task _reader;

        public QuorumWatcher(MusterClient client, CancellationToken ct)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _reader = Task.Run(async () =>
            {
                try
                {
                    await foreach (var q in client.Quorum.TrackAsync(_stop.Token))
                    {
                        _seen.Writer.TryWrite(q);
                    }
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    _seen.Writer.TryComplete();
                }
            }, CancellationToken.None);
        }

        public async Task<QuorumInfo> WaitForAsync(Func<QuorumInfo, bool> predicate, LocalCluster cluster, CancellationToken ct)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(Cluster.Step);
            QuorumInfo? last = null;
            try
            {
                await foreach (var q in _seen.Reader.ReadAllAsync(deadline.Token))
                {
                    last = q;
                    if (predicate(q))
                    {
                        return q;
                    }
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            throw new TimeoutException($"quorum never reached the state waited for; last seen: {last}{Environment.NewLine}{Cluster.Logs(cluster)}");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reader;
            _stop.Dispose();
        }
    }
}
