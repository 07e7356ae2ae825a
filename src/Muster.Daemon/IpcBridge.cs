using Muster.Ipc;
using Muster.Ipc.Contracts;

namespace Muster.Daemon;

/// <summary>Posts IPC server callbacks to the event loop: nothing runs on the server's threads.</summary>
internal sealed class IpcBridge : IIpcHandler
{
    private readonly InputQueue _queue;

    public IpcBridge(InputQueue queue) => _queue = queue;

    public void OnConnected(IpcSession session)
    {
        session.Drained += s => _queue.Enqueue(new DaemonInput(InputKind.Drained, Session: s));
        _queue.Enqueue(new DaemonInput(InputKind.Connected, Session: session));
    }

    public void OnRequest(IpcSession session, uint requestId, IpcRequest request) =>
        _queue.Enqueue(new DaemonInput(InputKind.Request, Session: session, RequestId: requestId, Request: request));

    public void OnDisconnected(IpcSession session, string reason) =>
        _queue.Enqueue(new DaemonInput(InputKind.Disconnected, Session: session, Reason: reason));
}
