using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Muster.Client.Wire;
using Muster.Core;
using Muster.Ipc.Contracts;

namespace Muster.Client;

/// <summary>
/// Fencing: what is pending, the history, the operator's actions (Pacemaker's <c>stonith_admin</c>), and the recovery
/// gate (<see cref="TrackRecoveryAsync"/>), which is what a program that takes over a failed node's work waits on.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The SemaphoreSlim never creates a wait handle here, so it has nothing to dispose.")]
public sealed class ClusterFencing
{
    private readonly MusterClient _client;
    private readonly Lock _sync = new();
    private readonly List<Channel<NodeRecoverableEvent>> _subscribers = [];
    private readonly SemaphoreSlim _trackLock = new(1, 1);

    internal ClusterFencing(MusterClient client)
    {
        _client = client;
    }

    /// <summary>Reads the pending fences, the failed nodes awaiting recovery, and the history (<c>stonith_admin --history</c>).</summary>
    public async Task<FencingState> GetAsync(CancellationToken cancellationToken = default) =>
        FromWire.Fencing(await _client.RequestAsync<FencingResponse>(GetFencingRequest.Instance, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Confirms that <paramref name="node"/> is off (<c>stonith_admin --confirm</c>, <c>dlm_tool fence_ack</c>): its fence
    /// is no longer pending and what it held may be recovered. Only after checking that it really is off.
    /// </summary>
    /// <exception cref="MusterException">Refused: the node is in the view, or not pending (the message says which).</exception>
    public async Task<string> AcknowledgeAsync(NodeId node, CancellationToken cancellationToken = default) =>
        (await _client.RequestAsync<FenceChangeResponse>(new FenceRequest(node, true, "", false), cancellationToken).ConfigureAwait(false)).Message;

    /// <summary>Fences <paramref name="node"/> now (<c>stonith_admin --reboot/--off</c>); needs quorum unless <paramref name="force"/>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="action">"reboot" or "off".</param>
    /// <param name="force">Even without quorum.</param>
    /// <param name="cancellationToken">Cancels the wait for the answer (not the fence).</param>
    /// <exception cref="MusterException">Refused (the message says why).</exception>
    public async Task<string> FenceAsync(NodeId node, string action = "reboot", bool force = false, CancellationToken cancellationToken = default) =>
        (await _client.RequestAsync<FenceChangeResponse>(new FenceRequest(node, false, action, force), cancellationToken).ConfigureAwait(false)).Message;

    /// <summary>
    /// Streams the recovery gate: one <see cref="NodeRecovery"/> each time a failed node may be recovered (the
    /// partition is quorate and that incarnation was fenced or acknowledged), after the membership and quorum changes
    /// that led to it. Until one arrives for a node, nothing it held may be taken over.
    /// </summary>
    /// <remarks>The stream runs until the enumeration ends, the token is cancelled, or the client is disposed.</remarks>
    public async IAsyncEnumerable<NodeRecovery> TrackRecoveryAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<NodeRecoverableEvent>(new BoundedChannelOptions(_client.Options.EventBufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        await SubscribeAsync(channel, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var ev in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new NodeRecovery(ev.Node, ev.Name, ev.Incarnation, ev.How, ev.View);
            }
        }
        finally
        {
            await UnsubscribeAsync(channel).ConfigureAwait(false);
        }
    }

    internal async ValueTask DeliverAsync(NodeRecoverableEvent changed, CancellationToken cancellationToken)
    {
        Channel<NodeRecoverableEvent>[] subscribers;
        lock (_sync)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            try
            {
                await subscriber.Writer.WriteAsync(changed, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // The subscriber stopped tracking meanwhile.
            }
        }
    }

    internal void CompleteAll(Exception? failure)
    {
        Channel<NodeRecoverableEvent>[] subscribers;
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

    private async Task SubscribeAsync(Channel<NodeRecoverableEvent> channel, CancellationToken cancellationToken)
    {
        await _trackLock.WaitAsync(cancellationToken).ConfigureAwait(false);
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
                    await _client.RequestAsync<OkResponse>(TrackRecoveryRequest.Instance, cancellationToken).ConfigureAwait(false);
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
            _trackLock.Release();
        }
    }

    private async Task UnsubscribeAsync(Channel<NodeRecoverableEvent> channel)
    {
        channel.Writer.TryComplete();
        await _trackLock.WaitAsync().ConfigureAwait(false);
        try
        {
            bool last;
            lock (_sync)
            {
                last = _subscribers.Remove(channel) && _subscribers.Count == 0;
            }

            if (last && _client.IsConnected)
            {
                try
                {
                    await _client.RequestAsync<OkResponse>(StopTrackRecoveryRequest.Instance, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MusterException or ObjectDisposedException)
                {
                    // The connection ended meanwhile; the daemon dropped the subscription with it.
                }
            }
        }
        finally
        {
            _trackLock.Release();
        }
    }
}
