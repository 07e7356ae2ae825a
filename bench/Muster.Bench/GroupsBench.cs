using System.Globalization;
using System.Text.Json;
using Muster.Client;

namespace Muster.Bench;

// Throughput and order check, in the manner of Corosync's cpgbench: every process joins the group and waits for the
// expected members; senders send flow-controlled messages for warmup + duration, then an end marker; every process
// counts, hashes and times every delivery until it has seen every sender's end marker. The end markers are totally
// ordered after all data, so every node hashes exactly the same prefix and the hashes must be equal.
internal sealed class GroupsBench
{
    private readonly string _socket;
    private readonly string _groupName;
    private readonly int _size;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _warmup;
    private readonly int _sendersExpected;
    private readonly int _membersExpected;
    private readonly bool _send;
    private readonly int _inflight;
    private readonly double _rate;
    private readonly TimeSpan _timeout;
    private readonly bool _json;

    private readonly Dictionary<(uint Node, uint Process), ulong> _nextSequence = [];
    private readonly HashSet<(uint Node, uint Process)> _ended = [];
    private readonly TaskCompletionSource _membersReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Samples _oneWay = new(1 << 16);
    private OrderHash _hash;
    private long _delivered;
    private long _hashCount;
    private long _gaps;
    private long _foreign;
    private long _firstDelivery;
    private long _lastDelivery;
    private long _windowStart;
    private long _windowCount;
    private long _windowBytes;
    private int _viewChanges;
    private int _maxMembers;

    public GroupsBench(Options o)
    {
        _socket = o.Text("socket");
        _groupName = o.Text("group");
        _size = (int)o.Integer("size", 64);
        _duration = o.Seconds("duration", 10);
        _warmup = o.Seconds("warmup", 1);
        _sendersExpected = (int)o.Integer("senders-expected", 1);
        _membersExpected = (int)o.Integer("members", _sendersExpected);
        string role = o.Text("role", "both");
        _send = role switch
        {
            "sender" or "both" => true,
            "receiver" => false,
            _ => throw new UsageException($"--role: '{role}' is not sender, receiver or both"),
        };
        _inflight = (int)Math.Max(1, o.Integer("inflight", 1));
        _rate = o.Integer("rate", 0);
        _timeout = o.Seconds("timeout", _duration.TotalSeconds + _warmup.TotalSeconds + 120);
        _json = o.Flag("json");
        if (_size < BenchMessage.HeaderSize)
        {
            throw new UsageException($"--size must be at least {BenchMessage.HeaderSize} (the header)");
        }
    }

    public async Task<int> RunAsync()
    {
        using var overall = new CancellationTokenSource(_timeout);
        await using var client = await Connect.WithRetryAsync(_socket, TimeSpan.FromSeconds(10), overall.Token).ConfigureAwait(false);
        await using var group = await client.Groups.JoinAsync(_groupName, overall.Token).ConfigureAwait(false);
        uint self = client.NodeId.Value;
        uint pid = (uint)Environment.ProcessId;

        var reader = Task.Run(() => ReadAsync(group, overall.Token));
        string status = "ok";
        long sent = 0;
        long sendStart = 0;
        long sendEnd = 0;
        try
        {
            await _membersReady.Task.WaitAsync(overall.Token).ConfigureAwait(false);
            if (_send)
            {
                (sent, sendStart, sendEnd) = await SendAsync(group, self, pid, overall.Token).ConfigureAwait(false);
            }

            await reader.ConfigureAwait(false);
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

        Report(status, self, sent, sendStart, sendEnd);
        return status == "ok" ? 0 : 1;
    }

    private async Task<(long Sent, long Start, long End)> SendAsync(ProcessGroup group, uint self, uint pid, CancellationToken token)
    {
        // One send in flight (like cpg_mcast_joined in a loop), or a ring of up to _inflight outstanding sends, each
        // with its own buffer that is reused once its send completed.
        var buffers = new byte[_inflight][];
        var pending = new Task[_inflight];
        for (int i = 0; i < _inflight; i++)
        {
            buffers[i] = new byte[_size];
            pending[i] = Task.CompletedTask;
        }

        long start = Clock.Now;
        long stop = start + Clock.FromTimeSpan(_warmup + _duration);
        ulong sequence = 0;
        long now = start;
        while (now < stop)
        {
            int slot = (int)(sequence % (ulong)_inflight);
            if (_rate > 0)
            {
                // Paced mode (--rate): message i is due at start + i / rate.
                long due = start + (long)(sequence / _rate * Clock.FromTimeSpan(TimeSpan.FromSeconds(1)));
                long wait = due - Clock.Now;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Clock.ToSeconds(wait)), token).ConfigureAwait(false);
                }
            }

            now = Clock.Now;
            if (_inflight == 1)
            {
                BenchMessage.WriteHeader(buffers[0], BenchMessage.KindData, self, pid, sequence, now);
                await group.SendAsync(buffers[0], token).ConfigureAwait(false);
            }
            else
            {
                await pending[slot].ConfigureAwait(false);
                now = Clock.Now;
                BenchMessage.WriteHeader(buffers[slot], BenchMessage.KindData, self, pid, sequence, now);
                pending[slot] = group.SendAsync(buffers[slot], token).AsTask();
            }

            sequence++;
        }

        await Task.WhenAll(pending).ConfigureAwait(false);

        long end = Clock.Now;
        var marker = new byte[BenchMessage.HeaderSize];
        BenchMessage.WriteHeader(marker, BenchMessage.KindEnd, self, pid, sequence, Clock.Now);
        await group.SendAsync(marker, token).ConfigureAwait(false);
        return ((long)sequence, start, end);
    }

    private async Task ReadAsync(ProcessGroup group, CancellationToken token)
    {
        long warmupTicks = Clock.FromTimeSpan(_warmup);
        await foreach (var ev in group.ReadEventsAsync(token).ConfigureAwait(false))
        {
            switch (ev)
            {
                case GroupMembershipChange change:
                    _viewChanges++;
                    _maxMembers = Math.Max(_maxMembers, change.Members.Count);
                    if (change.Members.Count >= _membersExpected)
                    {
                        _membersReady.TrySetResult();
                    }

                    break;
                case GroupMessage message:
                    long now = Clock.Now;
                    if (!BenchMessage.TryRead(message.Payload.Span, out var h))
                    {
                        _foreign++;
                        break;
                    }

                    var key = (h.NodeId, h.ProcessId);
                    if (h.Kind == BenchMessage.KindEnd)
                    {
                        _ended.Add(key);
                        if (_ended.Count >= _sendersExpected)
                        {
                            return;
                        }

                        break;
                    }

                    if (_delivered == 0)
                    {
                        _firstDelivery = now;
                        _windowStart = now + warmupTicks;
                    }

                    _delivered++;
                    _lastDelivery = now;
                    _hash.Add(h.NodeId, h.ProcessId, h.Sequence);
                    _hashCount++;
                    _nextSequence.TryGetValue(key, out ulong expected);
                    if (h.Sequence != expected)
                    {
                        _gaps++;
                    }

                    _nextSequence[key] = h.Sequence + 1;
                    if (now >= _windowStart)
                    {
                        _windowCount++;
                        _windowBytes += message.Payload.Length;
                        _oneWay.Add(now - h.Timestamp);
                    }

                    break;
            }
        }
    }

    private void Report(string status, uint self, long sent, long sendStart, long sendEnd)
    {
        double windowSeconds = _windowCount > 0 ? Clock.ToSeconds(_lastDelivery - _windowStart) : 0;
        double rate = windowSeconds > 0 ? _windowCount / windowSeconds : 0;
        double mbps = windowSeconds > 0 ? _windowBytes / windowSeconds / 1e6 : 0;
        double sendSeconds = sent > 0 ? Clock.ToSeconds(sendEnd - sendStart) : 0;
        using var stdout = Console.OpenStandardOutput();
        using var w = new Utf8JsonWriter(stdout);
        w.WriteStartObject();
        w.WriteString("bench", "groups");
        w.WriteString("status", status);
        w.WriteNumber("node", self);
        w.WriteBoolean("sender", _send);
        w.WriteNumber("size", _size);
        w.WriteNumber("senders_expected", _sendersExpected);
        w.WriteNumber("members", _maxMembers);
        w.WriteNumber("inflight", _inflight);
        w.WriteNumber("delivered", _delivered);
        w.WriteNumber("ends", _ended.Count);
        w.WriteNumber("gaps", _gaps);
        w.WriteNumber("foreign", _foreign);
        w.WriteNumber("group_changes", _viewChanges);
        w.WriteString("hash", _hash.Value.ToString("x16", CultureInfo.InvariantCulture));
        w.WriteNumber("hash_count", _hashCount);
        w.WriteNumber("window_msgs", _windowCount);
        w.WriteNumber("window_s", Math.Round(windowSeconds, 3));
        w.WriteNumber("rx_msgs_s", Math.Round(rate, 1));
        w.WriteNumber("rx_MBps", Math.Round(mbps, 3));
        WriteMicros(w, "oneway_p50_us", _oneWay.PercentileMicroseconds(50));
        WriteMicros(w, "oneway_p99_us", _oneWay.PercentileMicroseconds(99));
        w.WriteNumber("sent", sent);
        w.WriteNumber("tx_msgs_s", sendSeconds > 0 ? Math.Round(sent / sendSeconds, 1) : 0);
        w.WriteNumber("first_to_last_s", Math.Round(Clock.ToSeconds(_lastDelivery - _firstDelivery), 3));
        w.WriteEndObject();
        w.Flush();
        stdout.WriteByte((byte)'\n');
        if (!_json)
        {
            Console.Error.WriteLine(
                $"node {self}: {_delivered} delivered, {rate:F0} msgs/s, {mbps:F2} MB/s, gaps {_gaps}, hash {_hash.Value:x16}");
        }
    }

    internal static void WriteMicros(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsNaN(value))
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Math.Round(value, 1));
        }
    }
}
