using System.Threading.Channels;
using Muster.Client;

namespace Muster.Cli.Demo;

/// <summary>Follows one node's membership notifications so the demo (and tests) can wait for a view.</summary>
internal sealed class MembershipWatcher : IAsyncDisposable
{
    private readonly Channel<ClusterMembershipNotification> _channel = Channel.CreateUnbounded<ClusterMembershipNotification>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    public MembershipWatcher(MusterClient client)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var n in client.Membership.TrackAsync(TrackFlags.Current | TrackFlags.Changes, _stop.Token))
                {
                    await _channel.Writer.WriteAsync(n, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or MusterException)
            {
                // Stopped, or the daemon went away.
            }
            finally
            {
                _channel.Writer.TryComplete();
            }
        });
    }

    /// <summary>Waits for a notification whose view satisfies <paramref name="predicate"/>; each one seen goes to <paramref name="seen"/>.</summary>
    public async Task<ClusterMembershipNotification> WaitForAsync(Func<ClusterView, bool> predicate, TimeSpan timeout,
        Action<ClusterMembershipNotification>? seen, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var n = await _channel.Reader.ReadAsync(cts.Token);
                seen?.Invoke(n);
                if (predicate(n.View))
                {
                    return n;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no matching membership view within {timeout.TotalSeconds:F0} s");
        }
        catch (ChannelClosedException)
        {
            throw new MusterException("the daemon closed the membership stream");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }
}
