using Muster.Client.Wire;
using Muster.Core;
using Muster.Ipc.Contracts;

namespace Muster.Client;

/// <summary>Fencing: what is pending, the history, and the operator's actions (Pacemaker's <c>stonith_admin</c>).</summary>
public sealed class ClusterFencing
{
    private readonly MusterClient _client;

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
}
