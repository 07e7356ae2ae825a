using Muster.Client;

namespace Muster.TestBed.Tests;

/// <summary>The recovery events (<c>NodeRecoverable</c>) one node's client receives, collected in the background.</summary>
internal sealed class RecoveryLog : IAsyncDisposable
{
    private readonly MusterClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<NodeRecovery> _events = [];
    private readonly Task _pump;

    private RecoveryLog(MusterClient client, Func<RecoveryLog, Task> pump)
    {
        _client = client;
        _pump = pump(this);
    }

    /// <summary>Connects to node <paramref name="i"/> and subscribes; returns once the subscription is registered.</summary>
    public static async Task<RecoveryLog> StartAsync(NetnsCluster cluster, int i)
    {
        var client = await cluster.ConnectAsync(i, Bed.Step, Bed.Token);
        var log = new RecoveryLog(client, l => l.PumpAsync());
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

    /// <summary>Waits until an event for <paramref name="node"/> has arrived, or fails at the deadline.</summary>
    public async Task<NodeRecovery> WaitForAsync(uint node, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Events.FirstOrDefault(e => e.NodeId.Value == node) is { } found)
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
            lock (_events)
            {
                _events.Add(recovery);
            }
        }
    }
}
