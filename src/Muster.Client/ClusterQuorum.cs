using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Muster.Client.Wire;
using Muster.Core;
using Muster.Ipc.Contracts;
using QuorumInfo = Muster.Client.QuorumInfo;

namespace Muster.Client;

/// <summary>Quorum, with the shapes of Corosync's quorum and votequorum APIs.</summary>
/// <remarks>
/// <list type="table">
/// <item><term><see cref="GetAsync"/></term><description><c>votequorum_getinfo</c> and <c>quorum_getquorate</c>.</description></item>
/// <item><term><see cref="TrackAsync"/></term><description><c>votequorum_trackstart(CS_TRACK_CURRENT | CS_TRACK_CHANGES)</c> and its notification callbacks, as an async stream; ending the enumeration is <c>votequorum_trackstop</c>.</description></item>
/// <item><term><see cref="SetExpectedVotesAsync"/></term><description><c>votequorum_setexpected</c> (<c>corosync-quorumtool -e</c>).</description></item>
/// <item><term><see cref="SetVotesAsync"/></term><description><c>votequorum_setvotes</c> (<c>corosync-quorumtool -v</c>).</description></item>
/// <item><term><see cref="UnblockAsync"/></term><description><c>pcs quorum unblock</c>: lifts wait_for_all.</description></item>
/// </list>
/// Quorum changes arrive after the membership change of the view that caused them, on the same connection.
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "The SemaphoreSlim never creates a wait handle here, so it has nothing to dispose.")]
public sealed class ClusterQuorum
{
    private readonly MusterClient _client;
    private readonly Lock _sync = new();
    private readonly List<Channel<QuorumChangedEvent>> _subscribers = [];
    private readonly SemaphoreSlim _trackLock = new(1, 1);

    internal ClusterQuorum(MusterClient client)
    {
        _client = client;
    }

    /// <summary>Reads this node's quorum state.</summary>
    public async Task<QuorumInfo> GetAsync(CancellationToken cancellationToken = default) =>
        FromWire.Quorum((await _client.RequestAsync<QuorumResponse>(GetQuorumRequest.Instance, cancellationToken).ConfigureAwait(false)).Quorum);

    /// <summary>Streams the quorum state: the current one first, then every change, in order with the membership changes.</summary>
    /// <remarks>
    /// The stream runs until the enumeration ends, the token is cancelled, or the client is disposed (it then ends
    /// normally). If the connection is lost it throws <see cref="MusterNotConnectedException"/>. A node that loses
    /// quorum says so here at once: stop acting on shared state when <see cref="QuorumInfo.Quorate"/> turns false.
    /// </remarks>
    public async IAsyncEnumerable<QuorumInfo> TrackAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<QuorumChangedEvent>(new BoundedChannelOptions(_client.Options.EventBufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        await SubscribeAsync(channel, cancellationToken).ConfigureAwait(false);
        try
        {
            // Subscribed first, so no change slips between this snapshot and the stream; a change equal to the
            // snapshot is not repeated.
            var current = await GetAsync(cancellationToken).ConfigureAwait(false);
            yield return current;
            var last = current;
            await foreach (var changed in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var info = FromWire.Quorum(changed.Quorum);
                if (info.ViewId < last.ViewId || info.Equals(last))
                {
                    continue;
                }

                last = info;
                yield return info;
            }
        }
        finally
        {
            await UnsubscribeAsync(channel).ConfigureAwait(false);
        }
    }

    /// <summary>Sets expected votes cluster-wide.</summary>
    /// <remarks>
    /// Refused below the votes present, and on a quorate partition when it would make it inquorate. On an inquorate
    /// partition lowering them is allowed: it is how an operator recovers, and it is logged as an override.
    /// </remarks>
    /// <exception cref="MusterException">Refused (<see cref="ErrorCode.BadOperation"/>; the message says why).</exception>
    public Task<QuorumChangeResult> SetExpectedVotesAsync(int expectedVotes, CancellationToken cancellationToken = default) =>
        SetAsync(QuorumSetting.ExpectedVotes, NodeId.None, expectedVotes, cancellationToken);

    /// <summary>Sets one node's votes cluster-wide; refused when it would make a quorate partition inquorate.</summary>
    /// <exception cref="MusterException">Refused (<see cref="ErrorCode.BadOperation"/>; the message says why).</exception>
    public Task<QuorumChangeResult> SetVotesAsync(NodeId node, int votes, CancellationToken cancellationToken = default) =>
        SetAsync(QuorumSetting.NodeVotes, node, votes, cancellationToken);

    /// <summary>
    /// Lifts wait_for_all before every node has been seen. Only when the nodes not seen are known to be off:
    /// otherwise two partitions may both become quorate.
    /// </summary>
    /// <exception cref="MusterException">Refused: wait_for_all is off or not blocking.</exception>
    public Task<QuorumChangeResult> UnblockAsync(CancellationToken cancellationToken = default) =>
        SetAsync(QuorumSetting.Unblock, NodeId.None, 0, cancellationToken);

    private async Task<QuorumChangeResult> SetAsync(QuorumSetting setting, NodeId node, int value, CancellationToken cancellationToken)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "votes cannot be negative");
        }

        var response = await _client.RequestAsync<Ipc.Contracts.QuorumChangeResponse>(new SetQuorumRequest(setting, node, value), cancellationToken)
            .ConfigureAwait(false);
        return new QuorumChangeResult(response.Message, response.Override);
    }

    internal async ValueTask DeliverAsync(QuorumChangedEvent changed, CancellationToken cancellationToken)
    {
        Channel<QuorumChangedEvent>[] subscribers;
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
        Channel<QuorumChangedEvent>[] subscribers;
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

    private async Task SubscribeAsync(Channel<QuorumChangedEvent> channel, CancellationToken cancellationToken)
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
                    await _client.RequestAsync<OkResponse>(TrackQuorumRequest.Instance, cancellationToken).ConfigureAwait(false);
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

    private async Task UnsubscribeAsync(Channel<QuorumChangedEvent> channel)
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
                    await _client.RequestAsync<OkResponse>(StopTrackQuorumRequest.Instance, CancellationToken.None).ConfigureAwait(false);
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
