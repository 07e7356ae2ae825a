using System.Runtime.CompilerServices;
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
public sealed class ClusterQuorum
{
    private readonly MusterClient _client;
    private readonly EventSubscription<QuorumChangedEvent> _changes;

    internal ClusterQuorum(MusterClient client)
    {
        _client = client;
        _changes = new(client, TrackQuorumRequest.Instance, StopTrackQuorumRequest.Instance);
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
        var channel = await _changes.OpenAsync(cancellationToken).ConfigureAwait(false);
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
            await _changes.CloseAsync(channel).ConfigureAwait(false);
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

    internal ValueTask DeliverAsync(QuorumChangedEvent changed, CancellationToken cancellationToken) => _changes.DeliverAsync(changed, cancellationToken);

    internal void CompleteAll(Exception? failure) => _changes.CompleteAll(failure);
}
