using Muster.Core;
using Muster.Ipc;
using Muster.Ipc.Contracts;

namespace Muster.Daemon.Requests;

/// <summary>What became of a request the table handled.</summary>
internal enum RequestOutcome
{
    /// <summary>Answered (or the client is gone): done.</summary>
    Answered,

    /// <summary>
    /// Flow control: the service cannot take it now and the client waits for the answer. The daemon holds it and hands
    /// it to the table again, in arrival order, after every loop round, so the client never has to retry.
    /// </summary>
    Held,
}

/// <summary>One request being handled: who asked, the id to answer with, and the loop's time.</summary>
internal readonly record struct RequestContext(IpcSession Session, uint RequestId, Instant Now)
{
    /// <summary>The asking process (its group memberships are keyed by it).</summary>
    public uint ProcessId => (uint)Session.ProcessId;

    /// <summary>Answers with a response.</summary>
    public RequestOutcome Reply(IpcResponse response)
    {
        Session.Reply(RequestId, response);
        return RequestOutcome.Answered;
    }

    /// <summary>Answers Ok.</summary>
    public RequestOutcome Ok()
    {
        Session.ReplyOk(RequestId);
        return RequestOutcome.Answered;
    }

    /// <summary>Answers with an error the client turns into an exception or result.</summary>
    public RequestOutcome Error(ErrorCode code, string message)
    {
        Session.ReplyError(RequestId, code, message);
        return RequestOutcome.Answered;
    }
}

/// <summary>
/// Every IPC request the daemon serves, each registered once with its handler (which also answers) and its place in
/// flow control. A service's requests are registered in one file of the service's (as <see cref="GroupRequests"/>);
/// nothing else in the daemon switches on request types.
/// </summary>
/// <remarks>
/// The wire side of a request (its <see cref="MessageType"/>, fields, decoder and own-format check
/// <see cref="IpcRequest.Validate"/>) is declared with its record in Muster.Ipc.Contracts.
/// </remarks>
internal sealed class RequestTable
{
    private readonly Dictionary<Type, Entry> _entries = [];

    private sealed record Entry(Func<RequestContext, IpcRequest, RequestOutcome> Handle, Func<IpcRequest, bool> QueuesBehindHeld);

    /// <summary>The request types registered.</summary>
    public IReadOnlyCollection<Type> Types => _entries.Keys;

    /// <summary>Registers the handler of one request type.</summary>
    /// <param name="handle">Answers the request through the context, or returns <see cref="RequestOutcome.Held"/>.</param>
    /// <param name="queuesBehindHeld">
    /// True for requests that must not overtake another client's held request (waiting sends, joins and leaves:
    /// first come, first served). Queries go ahead. A client's own requests always stay in its order.
    /// </param>
    /// <exception cref="InvalidOperationException">The type is registered already.</exception>
    public RequestTable On<TRequest>(Func<RequestContext, TRequest, RequestOutcome> handle, Func<TRequest, bool>? queuesBehindHeld = null)
        where TRequest : IpcRequest
    {
        ArgumentNullException.ThrowIfNull(handle);
        var entry = new Entry((c, r) => handle(c, (TRequest)r),
            queuesBehindHeld is null ? static _ => false : r => queuesBehindHeld((TRequest)r));
        if (!_entries.TryAdd(typeof(TRequest), entry))
        {
            throw new InvalidOperationException($"request {typeof(TRequest).Name} is registered twice");
        }

        return this;
    }

    /// <summary>Handles a request; one without a handler is answered <see cref="ErrorCode.NotSupported"/>.</summary>
    public RequestOutcome Handle(in RequestContext context, IpcRequest request)
    {
        if (!_entries.TryGetValue(request.GetType(), out var entry))
        {
            return context.Error(ErrorCode.NotSupported, $"request {request.Type} is not supported by this musterd");
        }

        return entry.Handle(context, request);
    }

    /// <summary>True when the request waits behind another client's held request (see <see cref="On{TRequest}"/>).</summary>
    public bool QueuesBehindHeld(IpcRequest request) =>
        _entries.TryGetValue(request.GetType(), out var entry) && entry.QueuesBehindHeld(request);
}
