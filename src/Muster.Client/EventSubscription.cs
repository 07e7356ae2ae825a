using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Muster.Ipc.Contracts;

namespace Muster.Client;

/// <summary>
/// One kind of daemon event stream shared by every enumeration of it on a client: the daemon is asked to start it when
/// the first stream opens and to stop it when the last one closes; each event is handed to every open stream, waiting
/// while a stream's buffer is full (backpressure instead of unbounded buffering).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The SemaphoreSlim never creates a wait handle here, so it has nothing to dispose.")]
internal sealed class EventSubscription<TEvent>(MusterClient client, IpcRequest start, IpcRequest stop)
    where TEvent : IpcEvent
{
    private readonly Lock _sync = new();
    private readonly List<Channel<TEvent>> _subscribers = [];
    // Serialises start and stop so the daemon's state follows the subscriber count.
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Opens a stream (the daemon is asked to start on the first); close it with <see cref="CloseAsync"/>.</summary>
    public async Task<Channel<TEvent>> OpenAsync(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<TEvent>(new BoundedChannelOptions(client.Options.EventBufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool first;
            lock (_sync)
            {
                _subscribers.Add(channel);
                first = _subscribers.Count == 1;
            }

            if (first)
            {
                try
                {
                    await client.RequestAsync<OkResponse>(start, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    lock (_sync)
                    {
                        _subscribers.Remove(channel);
                    }

                    throw;
                }
            }
        }
        finally
        {
            _lock.Release();
        }

        return channel;
    }

    /// <summary>Closes a stream (the daemon is asked to stop after the last).</summary>
    public async Task CloseAsync(Channel<TEvent> channel)
    {
        // Completing first unblocks a receive loop waiting to write into this stream.
        channel.Writer.TryComplete();
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            bool last;
            lock (_sync)
            {
                last = _subscribers.Remove(channel) && _subscribers.Count == 0;
            }

            if (last && client.IsConnected)
            {
                try
                {
                    await client.RequestAsync<OkResponse>(stop, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MusterException or ObjectDisposedException)
                {
                    // The connection ended meanwhile; the daemon dropped the subscription with it.
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Hands an event to every open stream.</summary>
    public async ValueTask DeliverAsync(TEvent ev, CancellationToken cancellationToken)
    {
        Channel<TEvent>[] subscribers;
        lock (_sync)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            try
            {
                await subscriber.Writer.WriteAsync(ev, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // The subscriber stopped meanwhile.
            }
        }
    }

    /// <summary>Ends every stream (the client is disposed, or lost its connection: <paramref name="failure"/>).</summary>
    public void CompleteAll(Exception? failure)
    {
        Channel<TEvent>[] subscribers;
        lock (_sync)
        {
            subscribers = [.. _subscribers];
            _subscribers.Clear();
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Writer.TryComplete(failure);
        }
    }
}
