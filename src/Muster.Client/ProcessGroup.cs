using System.Threading.Channels;
using Muster.Client.Wire;
using Muster.Ipc.Contracts;
using ErrorCode = Muster.Client.ErrorCode;

namespace Muster.Client;

/// <summary>A group this process has joined: send to it, read its messages and membership changes, leave it.</summary>
/// <remarks>
/// <list type="table">
/// <item><term><see cref="SendAsync"/></term><description><c>cpg_mcast_joined(CPG_TYPE_AGREED)</c>, retried while it answers CS_ERR_TRY_AGAIN: waits under flow control.</description></item>
/// <item><term><see cref="TrySendAsync"/></term><description><c>cpg_mcast_joined(CPG_TYPE_AGREED)</c> once: <see cref="SendResult.TryAgain"/> is CS_ERR_TRY_AGAIN.</description></item>
/// <item><term><see cref="ReadEventsAsync"/></term><description><c>cpg_dispatch</c>: <see cref="GroupMessage"/> is deliver_fn, <see cref="GroupMembershipChange"/> is confchg_fn.</description></item>
/// <item><term><see cref="LeaveAsync"/></term><description><c>cpg_leave</c>.</description></item>
/// </list>
/// <para>Messages are delivered in the same (agreed) order at every member, this process's own messages included.
/// Events are buffered per group up to <see cref="MusterClientOptions.EventBufferCapacity"/>; when the buffer is
/// full the client stops reading from the daemon until the application reads, which brings the daemon's flow
/// control to bear on this client.</para>
/// </remarks>
public sealed class ProcessGroup : IAsyncDisposable
{
    private readonly MusterClient _client;
    private readonly Channel<GroupEvent> _events;
    private int _left;

    internal ProcessGroup(MusterClient client, string name)
    {
        _client = client;
        Name = name;
        _events = Channel.CreateBounded<GroupEvent>(new BoundedChannelOptions(client.Options.EventBufferCapacity)
        {
            SingleWriter = true,
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>True until <see cref="LeaveAsync"/>, <see cref="DisposeAsync"/>, or the end of the client's connection.</summary>
    public bool IsJoined => Volatile.Read(ref _left) == 0 && _client.IsConnected;

    /// <summary>Sends a message to every member, waiting while the daemon's send queue is full.</summary>
    /// <remarks>
    /// <c>cpg_mcast_joined</c> retried on CS_ERR_TRY_AGAIN, except that the retrying happens in the daemon: it holds the
    /// request and answers once the message is in its send queue, so a full queue makes this wait (flow control, in
    /// one place). Completion means the daemon accepted the message, not that it was delivered; delivery, in agreed
    /// order, shows up in <see cref="ReadEventsAsync"/> at every member. Cancelling after the request was sent does not
    /// take the message back.
    /// </remarks>
    /// <exception cref="MusterException"><see cref="ErrorCode.TooBig"/> beyond <see cref="MusterClient.MaxMessageSize"/>;
    /// <see cref="ErrorCode.NotExist"/> when the group is no longer joined.</exception>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        CheckSend(message);
        var response = await _client.RequestRawAsync(new GroupSendRequest(Name, GroupSendFlags.None, message), cancellationToken)
            .ConfigureAwait(false);
        switch (response)
        {
            case OkResponse:
                return;
            case ErrorResponse error:
                // TryAgain included: the daemon never answers it to a waiting send, so it would be a protocol error.
                throw MusterException.FromError(error);
            default:
                throw new MusterException(ErrorCode.Library, $"musterd answered GroupSend with {response.Type}");
        }
    }

    /// <summary>Sends a message if the daemon's send queue has room now; otherwise returns <see cref="SendResult.TryAgain"/>.</summary>
    /// <remarks><c>cpg_mcast_joined</c> once; <see cref="SendResult.TryAgain"/> is CS_ERR_TRY_AGAIN.</remarks>
    /// <exception cref="MusterException"><see cref="ErrorCode.TooBig"/> beyond <see cref="MusterClient.MaxMessageSize"/>;
    /// <see cref="ErrorCode.NotExist"/> when the group is no longer joined.</exception>
    public async ValueTask<SendResult> TrySendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        CheckSend(message);
        var response = await _client.RequestRawAsync(new GroupSendRequest(Name, GroupSendFlags.NoWait, message), cancellationToken)
            .ConfigureAwait(false);
        return response switch
        {
            OkResponse => SendResult.Sent,
            ErrorResponse { Code: Muster.Ipc.Contracts.ErrorCode.TryAgain } => SendResult.TryAgain,
            ErrorResponse error => throw MusterException.FromError(error),
            _ => throw new MusterException(ErrorCode.Library, $"musterd answered GroupSend with {response.Type}"),
        };
    }

    /// <summary>The group's messages and membership changes, in order.</summary>
    /// <remarks>
    /// <c>cpg_dispatch</c> with deliver_fn (<see cref="GroupMessage"/>) and confchg_fn (<see cref="GroupMembershipChange"/>).
    /// Read by one consumer at a time: concurrent readers would split the stream. The stream ends after
    /// <see cref="LeaveAsync"/> or when the client is disposed (events already buffered are still returned), and
    /// throws <see cref="MusterNotConnectedException"/> if the connection to the daemon is lost.
    /// </remarks>
    public IAsyncEnumerable<GroupEvent> ReadEventsAsync(CancellationToken cancellationToken = default) =>
        _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Leaves the group. Events already buffered can still be read; the stream then ends.</summary>
    /// <remarks><c>cpg_leave</c>. The other members see this process in <see cref="GroupMembershipChange.Left"/>
    /// with CPG_REASON_LEAVE. Does nothing if the group was already left.</remarks>
    public async Task LeaveAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _left, 1) != 0)
        {
            return;
        }

        // Stop taking events first: a receive loop blocked on this group's full buffer must not hold up the answer.
        _client.UnregisterGroup(this);
        CompleteEvents(null);
        await _client.RequestAsync<OkResponse>(new GroupLeaveRequest(Name), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the group if still joined (errors from a lost connection are ignored), and ends the event stream.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await LeaveAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MusterException or ObjectDisposedException)
        {
            // Not connected any more: the daemon already removed this process from the group.
        }
    }

    internal async ValueTask DeliverAsync(GroupEvent groupEvent, CancellationToken cancellationToken)
    {
        try
        {
            // Waits while the buffer is full: the backpressure that reaches the daemon.
            await _events.Writer.WriteAsync(groupEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // Left meanwhile.
        }
    }

    internal void CompleteEvents(Exception? failure)
    {
        _events.Writer.TryComplete(failure);
    }

    private void CheckSend(ReadOnlyMemory<byte> message)
    {
        if (Volatile.Read(ref _left) != 0)
        {
            throw new MusterException(ErrorCode.NotExist, $"group '{Name}' is no longer joined by this client");
        }

        if (message.Length > _client.MaxMessageSize)
        {
            throw new MusterException(
                ErrorCode.TooBig, $"message of {message.Length} bytes exceeds musterd's maximum of {_client.MaxMessageSize}");
        }
    }
}
