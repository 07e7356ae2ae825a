using System.Buffers.Binary;
using System.Diagnostics;
using Muster.Client;

namespace Muster.TestBed;

/// <summary>
/// Process-group traffic across a <see cref="NetnsCluster"/>: one client per node joins a group, sends numbered
/// messages at a paced rate, and records every message it receives, so a test can check that every member got
/// every message, in one and the same order.
/// </summary>
/// <remarks>
/// A message is <c>[sender index: 4 bytes][sequence: 8 bytes]</c> padded to <see cref="MessageSize"/>. The pacer
/// is deadline-based: at each tick a sender catches up to <c>elapsed x rate</c> messages, so a late tick does not
/// lower the average rate.
/// </remarks>
public sealed class GroupTraffic : IAsyncDisposable
{
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(10);

    private readonly NetnsCluster _cluster;
    private readonly string _group;
    private readonly List<Member> _members = [];

    private GroupTraffic(NetnsCluster cluster, string group)
    {
        _cluster = cluster;
        _group = group;
    }

    /// <summary>Bytes per message.</summary>
    public int MessageSize { get; init; } = 64;

    /// <summary>Messages sent, by node index.</summary>
    public IReadOnlyDictionary<int, long> Sent => _members.ToDictionary(m => m.Node, m => Volatile.Read(ref m.Sent));

    /// <summary>Total messages sent.</summary>
    public long TotalSent => _members.Sum(m => Volatile.Read(ref m.Sent));

    /// <summary>Joins <paramref name="group"/> from one client on each of <paramref name="nodes"/> and waits until every one sees all of them.</summary>
    public static async Task<GroupTraffic> JoinAsync(NetnsCluster cluster, string group, IReadOnlyList<int> nodes, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var traffic = new GroupTraffic(cluster, group);
        try
        {
            foreach (int i in nodes)
            {
                var client = await cluster.ConnectAsync(i, timeout, cancellationToken);
                var member = new Member(i, client, await client.Groups.JoinAsync(group, cancellationToken), nodes.Count);
                traffic._members.Add(member);
                member.Reader = ReadAsync(member);
            }

            var deadline = Stopwatch.StartNew();
            foreach (var m in traffic._members)
            {
                await m.AllJoined.WaitAsync(timeout - deadline.Elapsed, cancellationToken);
            }
        }
        catch (TimeoutException e)
        {
            await traffic.DisposeAsync();
            throw new TimeoutException($"group {group}: not every member saw all {nodes.Count} joins\n{cluster.Logs()}", e);
        }
        catch
        {
            await traffic.DisposeAsync();
            throw;
        }

        return traffic;
    }

    /// <summary>Sends for <paramref name="duration"/> at <paramref name="totalRate"/> messages per second in total, shared evenly by the members.</summary>
    public async Task SendAsync(double totalRate, TimeSpan duration, CancellationToken cancellationToken)
    {
        double perSender = totalRate / _members.Count;
        await Task.WhenAll(_members.Select(m => Task.Run(() => PaceAsync(m, perSender, duration, cancellationToken), cancellationToken)));
    }

    /// <summary>Waits until every member has received every message sent.</summary>
    /// <exception cref="TimeoutException">Some member is still missing messages; the message says how many.</exception>
    public async Task WaitForDeliveryAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        long total = TotalSent;
        var deadline = Stopwatch.StartNew();
        foreach (var m in _members)
        {
            try
            {
                await m.ReceivedAtLeast(total).WaitAsync(timeout - deadline.Elapsed, cancellationToken);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{_cluster[m.Node].Name} received {m.Count} of {total} messages\n{_cluster.Logs()}", e);
            }
        }
    }

    /// <summary>
    /// Checks the received sequences: each member got exactly the messages sent, each sender's in sending order, and
    /// all members in the same order. Returns the problems found (empty when all is well).
    /// </summary>
    public IReadOnlyList<string> Check()
    {
        var problems = new List<string>();
        var sent = Sent;
        var reference = _members[0].Snapshot();
        foreach (var m in _members)
        {
            var got = m.Snapshot();
            if (got.Count != TotalSent)
            {
                problems.Add($"{_cluster[m.Node].Name} received {got.Count} messages, {TotalSent} were sent");
            }

            var next = new Dictionary<int, long>();
            foreach (var (from, seq) in got)
            {
                long want = next.GetValueOrDefault(from);
                if (seq != want)
                {
                    problems.Add($"{_cluster[m.Node].Name}: from n{from} got #{seq} where #{want} was due");
                    break;
                }

                next[from] = want + 1;
            }

            foreach (var (from, count) in sent)
            {
                if (next.GetValueOrDefault(from) != count)
                {
                    problems.Add($"{_cluster[m.Node].Name}: {next.GetValueOrDefault(from)} of n{from}'s {count} messages");
                }
            }

            int firstDiff = Enumerable.Range(0, Math.Min(got.Count, reference.Count)).FirstOrDefault(k => got[k] != reference[k], -1);
            if (firstDiff >= 0)
            {
                problems.Add($"{_cluster[m.Node].Name} and {_cluster[_members[0].Node].Name} differ at position {firstDiff}: " +
                    $"n{got[firstDiff].From}#{got[firstDiff].Seq} vs n{reference[firstDiff].From}#{reference[firstDiff].Seq}");
            }
        }

        return problems;
    }

    /// <summary>Group membership changes seen after the initial joins, by member (a healthy run has none).</summary>
    public IReadOnlyList<string> MembershipChangesAfterJoin() =>
        [.. _members.SelectMany(m => m.LaterChanges.Select(c => $"{_cluster[m.Node].Name}: {c}"))];

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var m in _members)
        {
            await m.Client.DisposeAsync();
            if (m.Reader is { } reader)
            {
                await reader;
            }
        }
    }

    private async Task PaceAsync(Member m, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        byte[] payload = new byte[Math.Max(MessageSize, 12)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, m.Node);
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(s_tick);
        while (true)
        {
            var elapsed = clock.Elapsed;
            if (elapsed > duration)
            {
                elapsed = duration;
            }

            long due = (long)(elapsed.TotalSeconds * rate);
            while (m.Sent < due)
            {
                BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), m.Sent);
                // Flow-controlled: waits while the daemon's send queue is full, which then shows as a lower rate.
                await m.Group.SendAsync(payload, cancellationToken);
                Interlocked.Increment(ref m.Sent);
            }

            if (clock.Elapsed >= duration)
            {
                return;
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    private static async Task ReadAsync(Member m)
    {
        try
        {
            await foreach (var ev in m.Group.ReadEventsAsync())
            {
                switch (ev)
                {
                    case GroupMessage msg when msg.Payload.Length >= 12:
                        var span = msg.Payload.Span;
                        m.Add(BinaryPrimitives.ReadInt32LittleEndian(span), BinaryPrimitives.ReadInt64LittleEndian(span[4..]));
                        break;
                    case GroupMembershipChange change:
                        m.Membership(change);
                        break;
                }
            }
        }
        catch (Exception e) when (e is MusterException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client was disposed or the daemon went away; what was received stays recorded.
        }
    }

    private sealed class Member(int node, MusterClient client, ProcessGroup group, int expectedMembers)
    {
        private readonly Lock _sync = new();
        private readonly List<(int From, long Seq)> _received = [];
        private readonly List<(long Count, TaskCompletionSource Done)> _waiters = [];
        private readonly TaskCompletionSource _allJoined = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _joined;
        public long Sent;

        public int Node { get; } = node;
        public MusterClient Client { get; } = client;
        public ProcessGroup Group { get; } = group;
        public Task? Reader { get; set; }
        public List<string> LaterChanges { get; } = [];

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _received.Count;
                }
            }
        }

        public List<(int From, long Seq)> Snapshot()
        {
            lock (_sync)
            {
                return [.. _received];
            }
        }

        public Task AllJoined => _allJoined.Task;

        public void Membership(GroupMembershipChange change)
        {
            lock (_sync)
            {
                if (_joined)
                {
                    LaterChanges.Add($"group view {change.ViewId}: {change.Members.Count} members, " +
                        $"{change.Joined.Count} joined, {change.Left.Count} left");
                }
                else if (change.Members.Count >= expectedMembers)
                {
                    _joined = true;
                    _allJoined.TrySetResult();
                }
            }
        }

        public Task ReceivedAtLeast(long count)
        {
            lock (_sync)
            {
                if (_received.Count >= count)
                {
                    return Task.CompletedTask;
                }

                var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, tcs));
                return tcs.Task;
            }
        }

        public void Add(int from, long seq)
        {
            lock (_sync)
            {
                _received.Add((from, seq));
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_received.Count >= _waiters[i].Count)
                    {
                        _waiters[i].Done.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}
