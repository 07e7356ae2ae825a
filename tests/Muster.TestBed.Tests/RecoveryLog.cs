using Muster.Client;

namespace Muster.TestBed.Tests;

/// <summary>The recovery events (<c>NodeRecoverable</c>) one node's client receives, collected in the background.</summary>
internal sealed class RecoveryLog : IAsyncDisposable
{
    private readonly MusterClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<NodeRecovery> _events = [];
    private readonly List<TimeSpan> _arrivals = [];
    private readonly Func<TimeSpan> _clock;
    private readonly Task _pump;

    private RecoveryLog(MusterClient client, Func<TimeSpan> clock, Func<RecoveryLog, Task> pump)
    {
        _client = client;
        _clock = clock;
        _pump = pump(this);
    }

    /// <summary>Connects to node <paramref name="i"/> and subscribes; returns once the subscription is registered.</summary>
    /// <param name="clock">Stamps each event's arrival (for timings); by default a clock of its own.</param>
    public static async Task<RecoveryLog> StartAsync(NetnsCluster cluster, int i, Func<TimeSpan>? clock = null)
    {
        var client = await cluster.ConnectAsync(i, Bed.Step, Bed.Token);
        var own = System.Diagnostics.Stopwatch.StartNew();
        var log = new RecoveryLog(client, clock ?? (() => own.Elapsed), l => l.PumpAsync());
        // The daemon answers one connection's requests in order: once this answer is in, the subscription sent
        // before it is registered.
        await client.Fencing.GetAsync(Bed.Token);
        return log;
    }

    public IReadOnlyList<NodeRecovery> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>When each of <see cref="Events"/> arrived, by the clock given at the start.</summary>
    public IReadOnlyList<TimeSpan> Arrivals
    {
        get
        {
            lock (_events)
            {
                return [.. _arrivals];
            }
        }
    }

    /// <summary>Waits until an event for <paramref name="node"/> has arrived, or fails at the deadline.</summary>
    public async Task<NodeRecovery> WaitForAsync(uint node, TimeSpan timeout, ulong minIncarnation = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Events.FirstOrDefault(e => e.NodeId.Value == node && e.Incarnation >= minIncarnation) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no recovery event for node {node} within {timeout}; got [{string.Join(", ", Events)}]");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), Bed.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (Exception e) when (e is OperationCanceledException or MusterException)
        {
            // Stopped, or the daemon went away.
        }

        await _client.DisposeAsync();
        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        await foreach (var recovery in _client.Fencing.TrackRecoveryAsync(_stop.Token))
        {
            var at = _clock();
            lock (_events)
            {
                _events.Add(recovery);
                _arrivals.Add(at);
            }
        }
    }
}
