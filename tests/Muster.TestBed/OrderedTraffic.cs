using System.Buffers.Binary;
using System.Diagnostics;
using Muster.Client;
using Muster.Core;

namespace Muster.TestBed;

/// <summary>
/// Process-group traffic that keeps running through view changes (partitions, heals, crashes, restarts), and the
/// checks of what every receiver delivered: one global order, no duplicates, each sender's messages in the order
/// sent, and no loss where virtual synchrony promises delivery.
/// </summary>
/// <remarks>
/// <para>
/// One <em>instance</em> per daemon incarnation: a client on node <c>i</c> that joins the group, sends numbered messages
/// at a paced rate, and records every message and every group membership change it receives, in the order received.
/// A restarted node gets a new instance (<see cref="AddAsync"/>); the old one ends with its daemon. A message is
/// <c>[node: u32][incarnation: u64][number: u64]</c>, padded: sender node, sender incarnation, and a number counting
/// from 0 per instance, so every message is unique across the run.
/// </para>
/// <para>
/// Deliveries are grouped by <em>configuration</em>: a group membership change (its view id and member nodes) and the
/// messages delivered after it, up to the next change. That is CPG's unit of virtual synchrony.
/// </para>
/// </remarks>
public sealed class OrderedTraffic : IAsyncDisposable
{
    private const int PayloadSize = 32;
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(10);

    private readonly NetnsCluster _cluster;
    private readonly string _group;
    private readonly double _rate;
    private readonly Lock _sync = new();
    private readonly List<Instance> _instances = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TaskCompletionSource _changed = NewSignal();
    private volatile bool _stopSending;

    private OrderedTraffic(NetnsCluster cluster, string group, double ratePerSender)
    {
        _cluster = cluster;
        _group = group;
        _rate = ratePerSender;
    }

    /// <summary>A message's identity: the sender's node and daemon incarnation, and its number from that sender.</summary>
    /// <param name="Node">The sender's node index.</param>
    /// <param name="Incarnation">The sender's daemon incarnation when it joined.</param>
    /// <param name="Number">The message's number, from 0, per sender instance.</param>
    public readonly record struct MessageId(int Node, ulong Incarnation, long Number)
    {
        /// <inheritdoc/>
        public override string ToString() => $"n{Node}#{Incarnation}:{Number}";
    }

    /// <summary>A group membership change as one instance received it: the cluster view it names and the member nodes.</summary>
    /// <param name="View">The view id the change carried.</param>
    /// <param name="Members">The member nodes, ascending, comma-separated.</param>
    public readonly record struct GroupConfiguration(ViewId View, string Members)
    {
        /// <inheritdoc/>
        public override string ToString() => $"(view {View} [{Members}])";
    }

    /// <summary>Messages acknowledged by the daemons so far, over every instance.</summary>
    public long TotalSent
    {
        get
        {
            lock (_sync)
            {
                return _instances.Sum(i => i.Sent);
            }
        }
    }

    /// <summary>
    /// Joins <paramref name="group"/> from one client on each of <paramref name="nodes"/>, waits until every one sees
    /// all of them, then starts every sender at <paramref name="ratePerSender"/> messages per second.
    /// </summary>
    public static async Task<OrderedTraffic> StartAsync(NetnsCluster cluster, string group, IReadOnlyList<int> nodes,
        double ratePerSender, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var traffic = new OrderedTraffic(cluster, group, ratePerSender);
        try
        {
            foreach (int node in nodes)
            {
                await traffic.JoinAsync(node, timeout, cancellationToken);
            }

            string all = string.Join(",", nodes.Order());
            await traffic.WaitUntilAsync(t => t.AllLiveSee(all), timeout, $"every member sees [{all}]", cancellationToken);
            foreach (var instance in traffic.Live())
            {
                traffic.StartSending(instance);
            }
        }
        catch
        {
            await traffic.DisposeAsync();
            throw;
        }

        return traffic;
    }

    /// <summary>
    /// Adds an instance on node <paramref name="node"/> (a restarted daemon): joins, waits until every live instance
    /// sees it and it sees every live instance, then starts its sender.
    /// </summary>
    public async Task AddAsync(int node, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var instance = await JoinAsync(node, timeout, cancellationToken);
        string all = string.Join(",", Live().Select(i => i.Node).Distinct().Order());
        await WaitUntilAsync(t => t.AllLiveSee(all), timeout, $"every member sees [{all}] after n{node} joined", cancellationToken);
        StartSending(instance);
    }

    /// <summary>Stops every sender after the send it is in (which is not cancelled, so every message sent is acknowledged or failed).</summary>
    public async Task StopSendingAsync(TimeSpan timeout)
    {
        _stopSending = true;
        List<Task> senders;
        lock (_sync)
        {
            senders = [.. _instances.Select(i => i.Sender).OfType<Task>()];
        }

        await Task.WhenAll(senders).WaitAsync(timeout);
    }

    /// <summary>
    /// After <see cref="StopSendingAsync"/>: waits until every live instance is in the same configuration, has received
    /// back every message it sent, and no receiver misses a message it is owed (see <see cref="Check()"/>). Returns false
    /// at the deadline instead of throwing, so the caller can print the full <see cref="Check()"/>.
    /// </summary>
    public async Task<bool> WaitForQuiescenceAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await WaitUntilAsync(t => t.Quiet(), timeout, "quiescence", cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks every instance's received sequence and returns the problems found (empty when all is well):
    /// <list type="number">
    /// <item>no instance delivers a message twice;</item>
    /// <item>each instance delivers each sender's messages in the order they were sent;</item>
    /// <item>one global order: for any two instances, the messages both delivered come in the same relative order
    /// at both, whatever view each was delivered in;</item>
    /// <item>every instance still alive received back every message it sent (the daemon acknowledged it);</item>
    /// <item>no loss where virtual synchrony promises delivery. A message m that sender S received back in configuration
    /// C is owed to receiver R exactly when R also received C, and R and S moved on from C together: the configuration
    /// each received next after C is the same, or neither received another one and both are still alive. That is the
    /// precise form of "the sender and the receiver stayed connected and in the same views": a message sent on the
    /// other side of a partition, or by a node that crashed right after, is in a configuration that the two did not
    /// leave together, and is not owed.</item>
    /// </list>
    /// </summary>
    public IReadOnlyList<string> Check() => Check(Snapshot());

    /// <summary>The checks of <see cref="Check()"/> over recorded logs (also used by the checks' own tests).</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<InstanceLog> snap)
    {
        var problems = new List<string>();
        foreach (var r in snap)
        {
            var seen = new Dictionary<MessageId, int>();
            var last = new Dictionary<(int, ulong), long>();
            var dups = new List<string>();
            var fifo = new List<string>();
            for (int p = 0; p < r.Deliveries.Count; p++)
            {
                var m = r.Deliveries[p].Id;
                if (!seen.TryAdd(m, p))
                {
                    dups.Add($"{m} at positions {seen[m]} and {p}");
                    continue;
                }

                if (last.TryGetValue((m.Node, m.Incarnation), out long before) && m.Number < before)
                {
                    fifo.Add($"{m} after :{before}");
                }

                last[(m.Node, m.Incarnation)] = Math.Max(before, m.Number);
            }

            Report(problems, dups, $"{r.Name} delivered {dups.Count} message(s) twice");
            Report(problems, fifo, $"{r.Name} delivered {fifo.Count} message(s) out of their sender's order");
        }

        foreach (var (a, b) in Pairs(snap))
        {
            if (FirstInversion(a, b) is { } inversion)
            {
                problems.Add(inversion);
            }
        }

        foreach (var s in snap.Where(s => !s.Ended))
        {
            var own = s.Deliveries.Select(d => d.Id).Where(s.IsOwn).Select(m => m.Number).ToHashSet();
            var missing = Enumerable.Range(0, (int)s.Sent).Where(k => !own.Contains(k) && !s.UnknownNumbers.Contains(k))
                .Select(k => $"{s.Name}:{k}").ToList();
            Report(problems, missing, $"{s.Name} is alive but received back only {s.Sent - missing.Count - s.UnknownNumbers.Count} " +
                $"of the {s.Sent} messages it sent" + (s.UnknownNumbers.Count > 0 ? $" ({s.UnknownNumbers.Count} more reported with outcome unknown)" : ""));
            var unknownBack = own.Where(s.UnknownNumbers.Contains).Select(k => $"{s.Name}:{k}").ToList();
            Report(problems, unknownBack, $"{s.Name} received back {unknownBack.Count} message(s) it was told have an unknown outcome");
        }

        problems.AddRange(Owed(snap).Select(o => o.ToString()));
        return problems;
    }

    /// <summary>
    /// Messages delivered in different views at different instances (by the view of the configuration each was
    /// delivered in). Not a check: printed to help read a failure of <see cref="Check()"/>.
    /// </summary>
    public IReadOnlyList<string> DeliveredInDifferentViews(int max = 10)
    {
        var snap = Snapshot();
        var where = new Dictionary<MessageId, Dictionary<ViewId, List<string>>>();
        foreach (var r in snap)
        {
            foreach (var (id, config) in r.Deliveries)
            {
                if (config < 0)
                {
                    continue;
                }

                if (!where.TryGetValue(id, out var views))
                {
                    where[id] = views = [];
                }

                if (!views.TryGetValue(r.Configs[config].View, out var at))
                {
                    views[r.Configs[config].View] = at = [];
                }

                at.Add(r.Name);
            }
        }

        var split = where.Where(w => w.Value.Count > 1).ToList();
        var lines = split.Take(max).Select(w => $"{w.Key} delivered " +
            string.Join("; ", w.Value.Select(v => $"in view {v.Key} by {string.Join(", ", v.Value)}"))).ToList();
        if (split.Count > max)
        {
            lines.Add($"... {split.Count} messages in all were delivered in more than one view");
        }

        return lines;
    }

    /// <summary>Messages received, over every instance, in configurations whose member nodes are exactly <paramref name="members"/> ("2,3").</summary>
    public int DeliveredIn(string members) =>
        Snapshot().Sum(i => i.Deliveries.Count(d => d.Config >= 0 && i.Configs[d.Config].Members == members));

    /// <summary>One line per instance: messages sent and received, whether it ended, and the configurations it went through.</summary>
    public string Summary()
    {
        var snap = Snapshot();
        return string.Join('\n', snap.Select(i =>
            $"{i.Name}{(i.Ended ? " (ended)" : "")}: sent {i.Sent}, received {i.Deliveries.Count}; configurations " +
            string.Join(" ", i.Configs.Select((c, k) => $"{c}x{i.Deliveries.Count(d => d.Config == k)}"))));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _stopSending = true;
        List<Instance> instances;
        lock (_sync)
        {
            instances = [.. _instances];
        }

        foreach (var i in instances)
        {
            await i.Client.DisposeAsync();
            if (i.Reader is { } reader)
            {
                await reader;
            }

            if (i.Sender is { } sender)
            {
                await sender;
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Report(List<string> problems, List<string> items, string headline)
    {
        if (items.Count > 0)
        {
            problems.Add($"{headline}: {string.Join(", ", items.Take(5))}{(items.Count > 5 ? ", ..." : "")}");
        }
    }

    private static IEnumerable<(InstanceLog A, InstanceLog B)> Pairs(IReadOnlyList<InstanceLog> snap)
    {
        for (int a = 0; a < snap.Count; a++)
        {
            for (int b = a + 1; b < snap.Count; b++)
            {
                yield return (snap[a], snap[b]);
            }
        }
    }

    // Two sequences over the same set of messages agree on the relative order of every pair exactly when they are
    // equal; at the first position where they differ, the two messages found there are a pair in opposite orders.
    private static string? FirstInversion(InstanceLog a, InstanceLog b)
    {
        var inB = b.Deliveries.Select(d => d.Id).ToHashSet();
        var inA = a.Deliveries.Select(d => d.Id).ToHashSet();
        var fa = a.Deliveries.Where(d => inB.Contains(d.Id)).DistinctBy(d => d.Id).ToList();
        var fb = b.Deliveries.Where(d => inA.Contains(d.Id)).DistinctBy(d => d.Id).ToList();
        int differ = 0;
        int first = -1;
        for (int p = 0; p < fa.Count; p++)
        {
            if (fa[p].Id != fb[p].Id)
            {
                differ++;
                first = first < 0 ? p : first;
            }
        }

        if (first < 0)
        {
            return null;
        }

        var x = fa[first];
        var y = fb[first];
        var yAtA = fa.First(d => d.Id == y.Id);
        var xAtB = fb.First(d => d.Id == x.Id);
        return $"order: {a.Name} delivered {x.Id} {a.Where(x.Config)} before {y.Id} {a.Where(yAtA.Config)}, but {b.Name} " +
            $"delivered {y.Id} {b.Where(y.Config)} before {x.Id} {b.Where(xAtB.Config)} ({differ} of the {fa.Count} messages " +
            "both delivered are at different positions)";
    }

    // The loss rule of Check, item 5; grouped per (sender, receiver, configuration).
    private static IEnumerable<string> Owed(IReadOnlyList<InstanceLog> snap)
    {
        foreach (var s in snap)
        {
            foreach (var r in snap.Where(r => !ReferenceEquals(r, s)))
            {
                var got = r.Deliveries.Select(d => d.Id).ToHashSet();
                foreach (var group in s.Deliveries.Where(d => s.IsOwn(d.Id) && d.Config >= 0).GroupBy(d => d.Config))
                {
                    int k = group.Key;
                    int j = r.IndexOf(s.Configs[k], s.Occurrence(k));
                    if (j < 0)
                    {
                        continue;
                    }

                    string nextS = s.Next(k);
                    string nextR = r.Next(j);
                    if (nextS != nextR || nextS == InstanceLog.EndedMark)
                    {
                        continue;
                    }

                    var missing = group.Where(d => !got.Contains(d.Id)).Select(d => d.Id).ToList();
                    if (missing.Count > 0)
                    {
                        yield return $"loss: {r.Name} is missing {missing.Count} of the {group.Count()} messages {s.Name} received " +
                            $"back in {s.Configs[k]}, although both went on to {nextS} (e.g. {string.Join(", ", missing.Take(3))})";
                    }
                }
            }
        }
    }

    private async Task<Instance> JoinAsync(int node, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = await _cluster.ConnectAsync(node, timeout, cancellationToken);
        Instance instance;
        try
        {
            var status = await client.GetStatusAsync(cancellationToken);
            var member = status.Members.SingleOrDefault(m => m.NodeId.Value == (uint)node)
                ?? throw new InvalidOperationException($"n{node} is not in its own view yet: {status.State}");
            var group = await client.Groups.JoinAsync(_group, cancellationToken);
            instance = new Instance(node, member.Incarnation, client, group);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        lock (_sync)
        {
            _instances.Add(instance);
        }

        instance.Reader = ReadAsync(instance);
        string self = node.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await WaitUntilAsync(t => t.Snapshot().Single(v => v.Name == instance.Name).Latest.Members?.Split(',').Contains(self) == true,
            timeout, $"{instance.Name} sees its own join", cancellationToken);
        return instance;
    }

    private void StartSending(Instance instance) => instance.Sender = Task.Run(() => PaceAsync(instance));

    private async Task PaceAsync(Instance m)
    {
        byte[] payload = new byte[PayloadSize];
        BinaryPrimitives.WriteInt32LittleEndian(payload, m.Node);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(4), m.Incarnation);
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(s_tick);
        try
        {
            while (!_stopSending)
            {
                long due = (long)(clock.Elapsed.TotalSeconds * _rate);
                while (Volatile.Read(ref m.Sent) < due && !_stopSending)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(12), m.Sent);
                    // Not cancelled on stop: a send is either acknowledged (and counted) or fails with its daemon.
                    await m.Group.SendAsync(payload);
                    lock (_sync)
                    {
                        m.Sent++;
                    }
                }

                await timer.WaitForNextTickAsync();
            }
        }
        catch (Exception e) when (e is MusterException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Its daemon was killed: what it sent until then stays counted.
        }
    }

    private async Task ReadAsync(Instance m)
    {
        try
        {
            await foreach (var ev in m.Group.ReadEventsAsync())
            {
                lock (_sync)
                {
                    switch (ev)
                    {
                        case GroupMessage msg when msg.Payload.Length >= 20:
                            var span = msg.Payload.Span;
                            var id = new MessageId(BinaryPrimitives.ReadInt32LittleEndian(span),
                                BinaryPrimitives.ReadUInt64LittleEndian(span[4..]), BinaryPrimitives.ReadInt64LittleEndian(span[12..]));
                            m.Deliveries.Add((id, m.Configs.Count - 1));
                            break;
                        case GroupMessageOutcomeUnknown unknown when unknown.Payload.Length >= 20:
                            m.Unknown.Add(BinaryPrimitives.ReadInt64LittleEndian(unknown.Payload.Span[12..]));
                            break;
                        case GroupMembershipChange change:
                            m.Configs.Add(new GroupConfiguration(change.ViewId,
                                string.Join(",", change.Members.Select(x => x.NodeId.Value).Distinct().Order())));
                            break;
                    }
                }

                Signal();
            }
        }
        catch (Exception e) when (e is MusterException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The daemon went away (a killed node) or the client was disposed.
        }
        finally
        {
            lock (_sync)
            {
                m.Ended = true;
            }

            Signal();
        }
    }

    private void Signal()
    {
        TaskCompletionSource signal;
        lock (_sync)
        {
            signal = _changed;
            _changed = NewSignal();
        }

        signal.TrySetResult();
    }

    private List<Instance> Live()
    {
        lock (_sync)
        {
            return [.. _instances.Where(i => !i.Ended)];
        }
    }

    // Every live instance's latest configuration has exactly these member nodes.
    private bool AllLiveSee(string members) => Snapshot().Where(v => !v.Ended).All(v => v.Latest.Members == members);

    private async Task WaitUntilAsync(Func<OrderedTraffic, bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        await SignalWait.UntilAsync(() =>
        {
            lock (_sync)
            {
                return _changed.Task;
            }
        }, () => condition(this), timeout, () => $"group {_group}: {what}: not reached within {timeout.TotalSeconds:0} s\n{Summary()}\n{_cluster.Logs()}", cancellationToken);
    }

    // Cheap conditions first (one configuration, every message back at its sender); the loss rule only then.
    private bool Quiet()
    {
        var snap = Snapshot();
        var live = snap.Where(i => !i.Ended).ToList();
        if (live.Count == 0 || live.Select(i => i.Latest).Distinct().Count() != 1)
        {
            return false;
        }

        if (live.Any(i => i.Deliveries.Count(d => i.IsOwn(d.Id)) + i.UnknownNumbers.Count < i.Sent))
        {
            return false;
        }

        return !Owed(snap).Any();
    }

    private List<InstanceLog> Snapshot()
    {
        lock (_sync)
        {
            return [.. _instances.Select(i => new InstanceLog(i.Name, i.Node, i.Incarnation, i.Sent, i.Ended, [.. i.Configs], [.. i.Deliveries],
                new HashSet<long>(i.Unknown)))];
        }
    }

    /// <summary>What one instance sent and received, as of one moment: the input of <see cref="Check(IReadOnlyList{InstanceLog})"/>.</summary>
    /// <param name="Name">For messages: <c>n{node}#{incarnation}</c>.</param>
    /// <param name="Node">The instance's node.</param>
    /// <param name="Incarnation">Its daemon's incarnation (the <see cref="MessageId.Incarnation"/> of what it sent).</param>
    /// <param name="Sent">Messages it sent that the daemon acknowledged: numbers 0 to Sent - 1.</param>
    /// <param name="Ended">True when its stream ended (its daemon was killed).</param>
    /// <param name="Configs">The group membership changes it received, in order.</param>
    /// <param name="Deliveries">The messages it received, in order, each with the index in <paramref name="Configs"/> of the configuration it came in (-1 before any).</param>
    /// <param name="Unknown">
    /// Numbers of its messages the daemon gave up with "outcome unknown" (their view's sequencer was lost): not owed
    /// back to it, nor to anyone; and it must never receive them itself.
    /// </param>
    public sealed record InstanceLog(string Name, int Node, ulong Incarnation, long Sent, bool Ended,
        IReadOnlyList<GroupConfiguration> Configs, IReadOnlyList<(MessageId Id, int Config)> Deliveries,
        IReadOnlySet<long>? Unknown = null)
    {
        internal IReadOnlySet<long> UnknownNumbers => Unknown ?? new HashSet<long>();

        internal const string EndedMark = "(ended)";

        // The configuration it is in now (default before its first).
        internal GroupConfiguration Latest => Configs.Count == 0 ? default : Configs[^1];

        internal bool IsOwn(MessageId m) => m.Node == Node && m.Incarnation == Incarnation;

        // How many configurations before index k equal the one at k (a group can return to the same members in one view).
        internal int Occurrence(int k) => Configs.Take(k).Count(c => c == Configs[k]);

        internal int IndexOf(GroupConfiguration c, int occurrence)
        {
            for (int k = 0; k < Configs.Count; k++)
            {
                if (Configs[k] == c && occurrence-- == 0)
                {
                    return k;
                }
            }

            return -1;
        }

        // What came after configuration k: the next one, or "still in it" (alive), or the end of the instance.
        internal string Next(int k) => k + 1 < Configs.Count ? Configs[k + 1].ToString() : Ended ? EndedMark : "(current)";

        internal string Where(int config) => config < 0 ? "(before any configuration)" : $"in {Configs[config]}";
    }

    private sealed class Instance(int node, ulong incarnation, MusterClient client, ProcessGroup group)
    {
        public int Node { get; } = node;
        public ulong Incarnation { get; } = incarnation;
        public MusterClient Client { get; } = client;
        public ProcessGroup Group { get; } = group;
        public string Name => $"n{Node}#{Incarnation}";
        public Task? Reader { get; set; }
        public Task? Sender { get; set; }
        public long Sent;
        public bool Ended;
        public List<GroupConfiguration> Configs { get; } = [];
        public List<(MessageId Id, int Config)> Deliveries { get; } = [];
        public HashSet<long> Unknown { get; } = [];
    }
}
