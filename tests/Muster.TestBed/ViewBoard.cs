using Muster.Client;

namespace Muster.TestBed;

/// <summary>
/// Follows the installed view of every node of a <see cref="NetnsCluster"/> through one client per node (the
/// membership track stream), counts view changes, and lets a test wait for a condition over all nodes' views.
/// </summary>
/// <remarks>Waits are event-driven: a condition is re-evaluated whenever any node reports a view, up to a deadline.</remarks>
public sealed class ViewBoard : IAsyncDisposable
{
    private readonly NetnsCluster _cluster;
    private readonly List<MusterClient> _clients = [];
    private readonly List<Task> _pumps = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _sync = new();
    private readonly Dictionary<int, ClusterView> _views = [];
    private readonly Dictionary<int, int> _changes = [];
    private readonly List<ViewRecord> _history = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private TaskCompletionSource _changed = NewSignal();

    private ViewBoard(NetnsCluster cluster) => _cluster = cluster;

    /// <summary>Connects to every running node (waiting up to <paramref name="connectTimeout"/> for each socket) and starts following.</summary>
    public static async Task<ViewBoard> StartAsync(NetnsCluster cluster, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var board = new ViewBoard(cluster);
        try
        {
            foreach (var node in cluster.Nodes.Where(n => n.Running))
            {
                var client = await cluster.ConnectAsync(node.Index, connectTimeout, cancellationToken);
                board._clients.Add(client);
                board._pumps.Add(board.PumpAsync(node.Index, client));
            }
        }
        catch
        {
            await board.DisposeAsync();
            throw;
        }

        return board;
    }

    /// <summary>Time since the board started: the clock of <see cref="ViewRecord.At"/>, for marking a test's own steps.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Every notification every followed node reported, in the order they arrived (each node's first, its current view, included).</summary>
    public IReadOnlyList<ViewRecord> History
    {
        get
        {
            lock (_sync)
            {
                return [.. _history];
            }
        }
    }

    /// <summary>
    /// Follows node <paramref name="i"/> again with a new client, after its daemon was restarted (the client that
    /// followed the old daemon ended with it). Its next view is not counted as a change.
    /// </summary>
    public async Task FollowAsync(int i, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var client = await _cluster.ConnectAsync(i, connectTimeout, cancellationToken);
        lock (_sync)
        {
            _clients.Add(client);
            _views.Remove(i);
        }

        var pump = PumpAsync(i, client);
        lock (_sync)
        {
            _pumps.Add(pump);
        }
    }

    /// <summary>Every followed node's latest view, by node index.</summary>
    public IReadOnlyDictionary<int, ClusterView> Views
    {
        get
        {
            lock (_sync)
            {
                return new Dictionary<int, ClusterView>(_views);
            }
        }
    }

    /// <summary>View changes reported so far, by node index (the first view a node reports does not count).</summary>
    public IReadOnlyDictionary<int, int> Changes
    {
        get
        {
            lock (_sync)
            {
                return new Dictionary<int, int>(_changes);
            }
        }
    }

    /// <summary>The members of node <paramref name="i"/>'s latest view, by index, ascending; empty before its first view.</summary>
    public IReadOnlyList<int> MembersOf(int i) =>
        Views.TryGetValue(i, out var v) ? [.. v.Members.Select(m => (int)m.NodeId.Value).Order()] : [];

    /// <summary>True when every node in <paramref name="nodes"/> has installed a view of exactly <paramref name="nodes"/>, with one view id.</summary>
    public bool AllSee(params int[] nodes)
    {
        var views = Views;
        return nodes.All(i => views.TryGetValue(i, out var v) && Same(v, nodes) && v.ViewId == views[nodes[0]].ViewId);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking on every view reported.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>; the message shows every view and the logs.</exception>
    public async Task WaitUntilAsync(Func<ViewBoard, bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        await SignalWait.UntilAsync(() =>
        {
            lock (_sync)
            {
                return _changed.Task;
            }
        }, () => condition(this), timeout, () => $"{what}: not reached within {timeout.TotalSeconds:0} s\n{Describe()}\n{_cluster.Logs()}", cancellationToken);
    }

    /// <summary>Waits until every node in <paramref name="nodes"/> has installed the same view of exactly those nodes.</summary>
    public Task WaitForViewAsync(int[] nodes, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitUntilAsync(b => b.AllSee(nodes), timeout, $"one view of [{string.Join(",", nodes)}]", cancellationToken);

    /// <summary>
    /// Watches for <paramref name="period"/> and returns the view changes reported in it, by node (empty when none).
    /// An observation window, not a synchronisation: the test asserts that nothing happens.
    /// </summary>
    public async Task<IReadOnlyList<string>> ChangesDuringAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        var before = Changes;
        var seen = new List<string>();
        var end = DateTime.UtcNow + period;
        while (DateTime.UtcNow < end)
        {
            Task changed;
            lock (_sync)
            {
                changed = _changed.Task;
            }

            var left = end - DateTime.UtcNow;
            if (left > TimeSpan.Zero)
            {
                await Task.WhenAny(changed, Task.Delay(left, cancellationToken));
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        foreach (var (node, count) in Changes)
        {
            int delta = count - before.GetValueOrDefault(node);
            if (delta > 0)
            {
                seen.Add($"{_cluster[node].Name}: {delta} view change(s), now {Show(Views[node])}");
            }
        }

        return seen;
    }

    /// <summary>Every node's latest view, one line each.</summary>
    public string Describe()
    {
        var views = Views;
        return string.Join('\n', _cluster.Nodes.Select(n =>
            $"{n.Name}: {(views.TryGetValue(n.Index, out var v) ? Show(v) : "(no view)")}"));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        List<Task> pumps;
        lock (_sync)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
    }

    internal static string Show(ClusterView v) => $"view {v.ViewId} [{string.Join(",", v.Members.Select(m => m.NodeId.Value).Order())}]";

    private static bool Same(ClusterView v, int[] nodes) =>
        v.Members.Select(m => (int)m.NodeId.Value).Order().SequenceEqual(nodes.Order());

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task PumpAsync(int node, MusterClient client)
    {
        try
        {
            await foreach (var n in client.Membership.TrackAsync(TrackFlags.Current | TrackFlags.Changes, _stop.Token))
            {
                TaskCompletionSource signal;
                lock (_sync)
                {
                    if (_views.TryGetValue(node, out var old) && old.ViewId != n.View.ViewId)
                    {
                        _changes[node] = _changes.GetValueOrDefault(node) + 1;
                    }

                    _views[node] = n.View;
                    _history.Add(new ViewRecord(_clock.Elapsed, node, n.View,
                        [.. n.Items.Where(c => c.Change is MembershipChange.Left or MembershipChange.Failed)],
                        [.. n.Items.Where(c => c.Change is MembershipChange.Joined or MembershipChange.Merged)]));
                    signal = _changed;
                    _changed = NewSignal();
                }

                signal.TrySetResult();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or MusterException or IOException or ObjectDisposedException)
        {
            // Stopped, or the daemon went away (a killed node): its last view stays on the board.
        }
    }
}

/// <summary>One membership notification a node reported to a <see cref="ViewBoard"/>.</summary>
/// <param name="At">When it arrived, on the board's clock (<see cref="ViewBoard.Elapsed"/>).</param>
/// <param name="Node">The reporting node's index.</param>
/// <param name="View">The view it installed.</param>
/// <param name="Left">The members it reported left or failed, with the daemon's reason ("failed", "unreachable", ...).</param>
/// <param name="Joined">The members it reported joined or merged.</param>
public sealed record ViewRecord(TimeSpan At, int Node, ClusterView View, IReadOnlyList<ClusterMemberChange> Left,
    IReadOnlyList<ClusterMemberChange> Joined)
{
    /// <summary>One line: time, node, view, and who left (with reasons) and joined.</summary>
    public override string ToString() => Describe(TimeSpan.Zero);

    /// <summary>Like <see cref="ToString"/>, with the time counted from <paramref name="origin"/> (a test's own step).</summary>
    public string Describe(TimeSpan origin)
    {
        string left = Left.Count == 0 ? "" : $" left: {string.Join(", ", Left.Select(Member))}";
        string joined = Joined.Count == 0 ? "" : $" joined: {string.Join(", ", Joined.Select(Member))}";
        string at = origin == TimeSpan.Zero ? $"{At.TotalSeconds,8:0.000}s" : $"+{(At - origin).TotalSeconds:0.000}s";
        return $"{at} n{Node}: {ViewBoard.Show(View)}{left}{joined}";
    }

    private static string Member(ClusterMemberChange c) =>
        $"{c.Member.NodeId}#{c.Member.Incarnation}{(c.Reason.Length > 0 ? $" ({c.Reason})" : "")}";
}
