using System.Text.Json;
using Muster.Client;

namespace Muster.Bench;

// Self-delivery latency: one message in flight; send, wait until this process receives it back in agreed order, repeat.
// Other members (for example `groups --role receiver`) see the same stream; an end marker stops them.
internal sealed class LatencyBench
{
    private readonly string _socket;
    private readonly string _groupName;
    private readonly int _size;
    private readonly int _count;
    private readonly int _warmupCount;
    private readonly int _membersExpected;
    private readonly TimeSpan _timeout;

    public LatencyBench(Options o)
    {
        _socket = o.Text("socket");
        _groupName = o.Text("group");
        _size = (int)o.Integer("size", 64);
        _count = (int)o.Integer("count", 2000);
        _warmupCount = (int)o.Integer("warmup-count", 50);
        _membersExpected = (int)o.Integer("members", 1);
        _timeout = o.Seconds("timeout", 120);
        _ = o.Flag("json");
        if (_size < BenchMessage.HeaderSize)
        {
            throw new UsageException($"--size must be at least {BenchMessage.HeaderSize} (the header)");
        }
    }

    public async Task<int> RunAsync()
    {
        using var overall = new CancellationTokenSource(_timeout);
        var token = overall.Token;
        await using var client = await Connect.WithRetryAsync(_socket, TimeSpan.FromSeconds(10), token).ConfigureAwait(false);
        await using var group = await client.Groups.JoinAsync(_groupName, token).ConfigureAwait(false);
        uint self = client.NodeId.Value;
        uint pid = (uint)Environment.ProcessId;
        var samples = new Samples(_count);
        string status = "ok";
        long loopStart = 0;
        long loopEnd = 0;
        await using var events = group.ReadEventsAsync(token).GetAsyncEnumerator(token);
        try
        {
            // Wait for the expected members.
            while (await events.MoveNextAsync().ConfigureAwait(false))
            {
                if (events.Current is GroupMembershipChange change && change.Members.Count >= _membersExpected)
                {
                    break;
                }
            }

            var buffer = new byte[_size];
            for (int i = 0; i < _warmupCount + _count; i++)
            {
                if (i == _warmupCount)
                {
                    loopStart = Clock.Now;
                }

                long t0 = Clock.Now;
                BenchMessage.WriteHeader(buffer, BenchMessage.KindData, self, pid, (ulong)i, t0);
                await group.SendAsync(buffer, token).ConfigureAwait(false);
                while (true)
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        throw new MusterNotConnectedException("the group's event stream ended");
                    }

                    if (events.Current is GroupMessage m && BenchMessage.TryRead(m.Payload.Span, out var h)
                        && h.NodeId == self && h.ProcessId == pid && h.Sequence == (ulong)i)
                    {
                        break;
                    }
                }

                if (i >= _warmupCount)
                {
                    samples.Add(Clock.Now - t0);
                }
            }

            loopEnd = Clock.Now;
            var marker = new byte[BenchMessage.HeaderSize];
            BenchMessage.WriteHeader(marker, BenchMessage.KindEnd, self, pid, (ulong)(_warmupCount + _count), Clock.Now);
            await group.SendAsync(marker, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            status = "timeout";
        }
        catch (MusterException e)
        {
            status = "error";
            await Console.Error.WriteLineAsync($"muster-bench: {e.Message}").ConfigureAwait(false);
        }

        double loopSeconds = Clock.ToSeconds(loopEnd - loopStart);
        using var stdout = Console.OpenStandardOutput();
        using var w = new Utf8JsonWriter(stdout);
        w.WriteStartObject();
        w.WriteString("bench", "latency");
        w.WriteString("status", status);
        w.WriteNumber("node", self);
        w.WriteNumber("size", _size);
        w.WriteNumber("count", samples.Count);
        GroupsBench.WriteMicros(w, "lat_p50_us", samples.PercentileMicroseconds(50));
        GroupsBench.WriteMicros(w, "lat_p99_us", samples.PercentileMicroseconds(99));
        GroupsBench.WriteMicros(w, "lat_min_us", samples.MinMicroseconds);
        GroupsBench.WriteMicros(w, "lat_max_us", samples.MaxMicroseconds);
        w.WriteNumber("msgs_s", loopSeconds > 0 ? Math.Round(samples.Count / loopSeconds, 1) : 0);
        w.WriteEndObject();
        w.Flush();
        stdout.WriteByte((byte)'\n');
        return status == "ok" ? 0 : 1;
    }
}
