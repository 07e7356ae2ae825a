namespace Muster.Ipc.Contracts;

/// <summary>A decoded frame body: one of the request, response or event records in this namespace.</summary>
/// <remarks>The set is closed: only this assembly can add message types, each with its own <see cref="MessageType"/>.</remarks>
public abstract record IpcMessage
{
    private protected IpcMessage()
    {
    }

    /// <summary>The message's type code on the wire.</summary>
    public abstract MessageType Type { get; }

    internal abstract void WriteBody(ref FrameWriter writer);
}

/// <summary>A message a client sends to the daemon; the daemon answers it with an <see cref="IpcResponse"/>.</summary>
public abstract record IpcRequest : IpcMessage
{
    private protected IpcRequest()
    {
    }
}

/// <summary>The daemon's answer to an <see cref="IpcRequest"/>, carrying the request's id.</summary>
public abstract record IpcResponse : IpcMessage
{
    private protected IpcResponse()
    {
    }
}

/// <summary>A message the daemon sends unasked (request id 0).</summary>
public abstract record IpcEvent : IpcMessage
{
    private protected IpcEvent()
    {
    }
}
