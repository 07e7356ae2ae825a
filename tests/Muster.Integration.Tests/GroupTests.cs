using System.Diagnostics;
using System.Text.Json;
using Muster.Cli.Demo;

namespace Muster.Integration.Tests;

[Collection(DaemonCollection.Name)]
public class GroupTests
{
    /// <summary>A `muster` client process whose JSON lines are collected as they arrive.</summary>
    private sealed class CliProcess : IDisposable
    {
        private readonly Process _process;
        private readonly List<JsonElement> _lines = [];
        private readonly Lock _sync = new();

        public CliProcess(params string[] args)
        {
            var (file, prefix) = MusterCommand();
            var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in prefix.Concat(args))
            {
                info.ArgumentList.Add(a);
            }

            _process = Process.Start(info)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line && line.StartsWith('{'))
                {
                    lock (_sync)
                    {
                        _lines.Add(JsonDocument.Parse(line).RootElement.Clone());
                    }
                }
            };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Stderr += e.Data + "\n"; } };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Stderr { get; private set; } = "";

        public List<JsonElement> Lines
        {
            get
            {
                lock (_sync)
                {
                    return [.. _lines];
                }
            }
        }

        public async Task<int> ExitAsync(CancellationToken ct)
        {
            await _process.WaitForExitAsync(ct).WaitAsync(Cluster.Step, ct);
            return _process.ExitCode;
        }

        public async Task WaitForAsync(Func<List<JsonElement>, bool> condition, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + Cluster.Step;
            while (!condition(Lines))
            {
                if (DateTime.UtcNow > deadline || _process.HasExited)
                {
                    throw new TimeoutException($"condition not met; exited={_process.HasExited}; stderr: {Stderr}; lines: {Lines.Count}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }

        private static (string File, string[] Prefix) MusterCommand()
        {
            string apphost = Path.Combine(AppContext.BaseDirectory, "muster");
            return File.Exists(apphost) ? (apphost, []) : ("dotnet", [Path.Combine(AppContext.BaseDirectory, "muster.dll")]);
        }
    }

    [Fact]
    public async Task ConcurrentSenderProcesses_EveryListenerProcessSeesTheIdenticalSequence()
    {
        const int PerSender = 40;
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(3);
        await using (var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct))
        await using (var watch = new MembershipWatcher(client))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        }

        int total = PerSender * cluster.Nodes.Count;
        var listeners = cluster.Nodes.Select(n => new CliProcess("listen", "g", "--json", "--count", $"{total}", "--socket", n.SocketPath)).ToList();
        try
        {
            // Every listener must have seen all three listeners join before anyone sends.
            foreach (var l in listeners)
            {
                await l.WaitForAsync(lines => lines.Any(j => j.GetProperty("type").GetString() == "membership" &&
                                                             j.GetProperty("members").GetArrayLength() >= 3), ct);
            }

            var senders = cluster.Nodes.Select(n =>
                new CliProcess("send", "g", $"from {n.Name}", "--count", $"{PerSender}", "--socket", n.SocketPath)).ToList();
            foreach (var s in senders)
            {
                Assert.True(await s.ExitAsync(ct) == 0, s.Stderr);
                s.Dispose();
            }

            var sequences = new List<List<string>>();
            foreach (var l in listeners)
            {
                Assert.True(await l.ExitAsync(ct) == 0, l.Stderr);
                sequences.Add([.. l.Lines.Where(j => j.GetProperty("type").GetString() == "message").Select(j =>
                    $"{j.GetProperty("sender").GetProperty("node_id").GetUInt32()}/{j.GetProperty("sender").GetProperty("pid").GetUInt32()}:" +
                    j.GetProperty("text").GetString())]);
            }

            Assert.All(sequences, s => Assert.Equal(total, s.Count));
            Assert.All(sequences, s => Assert.Equal(sequences[0], s));
            // Every sender process is represented.
            Assert.Equal(3, sequences[0].Select(s => s.Split(':')[0]).Distinct().Count());
            // The three senders' messages interleave: the order is a real merge, not one sender after the other.
            int switches = sequences[0].Zip(sequences[0].Skip(1)).Count(p => p.First.Split(':')[0] != p.Second.Split(':')[0]);
            Assert.True(switches >= 2, $"only {switches} sender switches");
        }
        finally
        {
            foreach (var l in listeners)
            {
                l.Dispose();
            }
        }
    }

    [Fact]
    public async Task PipelinedSendsUnderFlowControl_AreDeliveredInTheOrderIssued()
    {
        // Found by the throughput benchmark: a send arriving while an older one of the same client was held back by
        // flow control could be accepted first, so a client with several sends outstanding saw its messages reordered.
        // 96 x 512 KiB (48 MiB) issued at once is far over max_pending_bytes (8 MiB), so many are held back.
        const int Count = 96;
        const int Size = 512 * 1024;
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(2);
        await using var sender = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var receiver = await LocalCluster.ConnectAsync(cluster.Nodes[1], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(sender))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        }

        await using var rxGroup = await receiver.Groups.JoinAsync("pipeline", ct);
        await using var txGroup = await sender.Groups.JoinAsync("pipeline", ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Cluster.Step * 2);

        async Task<List<int>> ReadAsync(Muster.Client.ProcessGroup group)
        {
            var seen = new List<int>();
            await foreach (var ev in group.ReadEventsAsync(deadline.Token))
            {
                if (ev is Muster.Client.GroupMessage m && m.Payload.Length == Size)
                {
                    seen.Add(BitConverter.ToInt32(m.Payload.Span));
                    if (seen.Count == Count)
                    {
                        break;
                    }
                }
            }

            return seen;
        }

        var atReceiver = ReadAsync(rxGroup);
        var atSender = ReadAsync(txGroup);
        var sends = new List<Task>();
        for (int i = 0; i < Count; i++)
        {
            var payload = new byte[Size];
            BitConverter.TryWriteBytes(payload, i);
            sends.Add(txGroup.SendAsync(payload, deadline.Token).AsTask());
        }

        await Task.WhenAll(sends);
        var expected = Enumerable.Range(0, Count).ToList();
        Assert.Equal(expected, await atSender);
        Assert.Equal(expected, await atReceiver);
        var status = await sender.GetStatusAsync(ct);
        long held = status.Counters.Single(c => c.Key == "requests_held").Value;
        Assert.True(held > 0, "flow control never held a send back, so this test did not exercise the held path");
    }
}
