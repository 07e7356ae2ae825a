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
/// <remarks>
/// A request checks only its own format here (<see cref="Validate"/>: flag bits it does not know). Domain rules, such
/// as group names and message sizes, belong to the service that handles the request, which checks them once.
/// </remarks>
public abstract record IpcRequest : IpcMessage
{
    private protected IpcRequest()
    {
    }

    /// <summary>
    /// Checks the request's own fields (unknown flag bits, contradictory flags): <see cref="ErrorCode.Ok"/>, or the
    /// code the daemon answers with and <paramref name="message"/> saying why. The IPC server calls it before the
    /// daemon sees the request; the client calls it before sending.
    /// </summary>
    public virtual ErrorCode Validate(out string message)
    {
        message = string.Empty;
        return ErrorCode.Ok;
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
