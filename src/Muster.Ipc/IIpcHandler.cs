using Muster.Ipc.Contracts;

namespace Muster.Ipc;

/// <summary>The daemon's side of the IPC server: told about sessions and requests, answers through the session.</summary>
/// <remarks>
/// Calls come from the server's I/O tasks, concurrently for different sessions, in order for one session. None may
/// block: the daemon posts the work to its own event loop and later answers with <see cref="IpcSession.Reply"/>.
/// </remarks>
public interface IIpcHandler
{
    /// <summary>A client passed the credential check and the handshake.</summary>
    void OnConnected(IpcSession session);

    /// <summary>
    /// A request arrived. The server has already checked framing, the handshake and the request's own format
    /// (<see cref="IpcRequest.Validate"/>, answering errors itself); domain rules such as group names and sizes are
    /// the handling service's. Every request must get exactly one reply, matched by <paramref name="requestId"/>.
    /// </summary>
    /// <param name="session">The client.</param>
    /// <param name="requestId">The id to answer with.</param>
    /// <param name="request">Any request but <see cref="HelloRequest"/>, which the server answers.</param>
    void OnRequest(IpcSession session, uint requestId, IpcRequest request);

    /// <summary>
    /// A session that <see cref="OnConnected"/> announced has ended: the client closed, broke the protocol, stalled,
    /// overflowed its queue, or the server is stopping. Called exactly once per connected session; the daemon treats
    /// it as the process leaving all its groups (CPG_REASON_PROCDOWN).
    /// </summary>
    void OnDisconnected(IpcSession session, string reason);
}
