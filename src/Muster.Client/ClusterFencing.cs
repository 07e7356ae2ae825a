using System.Runtime.CompilerServices;
using Muster.Client.Wire;
using Muster.Core;
using Muster.Ipc.Contracts;

namespace Muster.Client;

/// <summary>
/// Fencing: what is pending, the history, the operator's actions (Pacemaker's <c>stonith_admin</c>), and the recovery
/// gate (<see cref="TrackRecoveryAsync"/>), which is what a program that takes over a failed node's work waits on.
/// </summary>
public sealed class ClusterFencing
{
    private readonly MusterClient _client;
    private readonly EventSubscription<NodeRecoverableEvent> _recovery;

    internal ClusterFencing(MusterClient client)
    {
        _client = client;
        _recovery = new(client, TrackRecoveryRequest.Instance, StopTrackRecoveryRequest.Instance);
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
        var channel = await _recovery.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var ev in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return new NodeRecovery(ev.Node, ev.Name, ev.Incarnation, ev.How, ev.View);
            }
        }
        finally
        {
            await _recovery.CloseAsync(channel).ConfigureAwait(false);
        }
    }

    internal ValueTask DeliverAsync(NodeRecoverableEvent ev, CancellationToken cancellationToken) => _recovery.DeliverAsync(ev, cancellationToken);

    internal void CompleteAll(Exception? failure) => _recovery.CompleteAll(failure);
}
