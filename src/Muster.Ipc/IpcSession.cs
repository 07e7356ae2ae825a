using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Muster.Ipc.Contracts;

namespace Muster.Ipc;

/// <summary>One client connection: its peer credentials, its request stream, and its bounded outbound queue.</summary>
/// <remarks>
/// <para>
/// Reads run on the session's read task, which hands each request to <see cref="IIpcHandler.OnRequest"/>. Everything
/// the daemon sends goes through one outbound queue drained by the session's writer task, so a slow client never
/// blocks the daemon. Responses are never dropped; to keep them bounded, the read task stops reading once
/// <see cref="IpcServerOptions.MaxOutstandingRequests"/> requests are unanswered or unwritten.
/// </para>
/// <para>
/// Events are bounded by <see cref="IpcServerOptions.EventQueueLimit"/> and <see cref="IpcServerOptions.EventQueueByteLimit"/>:
/// at the high-water mark <see cref="TryEnqueueEvent(IpcEvent)"/> answers <see cref="EnqueueResult.AboveHighWater"/>
/// (flow control), and a client that stays there for <see cref="IpcServerOptions.StallTimeout"/>, or overflows,
/// is closed and reported to <see cref="IIpcHandler.OnDisconnected"/>.
/// </para>
/// All public members are thread-safe.
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "The session disposes its own resources when its run ends; the daemon never owns it.")]
public sealed class IpcSession
{
    private const int InitialBufferSize = 16 * 1024;

    private readonly IpcServer _server;
    private readonly IpcServerOptions _options;
    private readonly Socket _socket;
    private readonly Channel<Outbound> _outbound;
    private readonly CancellationTokenSource _readCancel = new();
    private readonly CancellationTokenSource _writeCancel = new();
    private readonly SemaphoreSlim _requestCredits;
    private readonly Lock _sync = new();

    private int _queuedEvents;
    private long _queuedBytes;
    private bool _aboveHighWater;
    private long _stallGeneration;
    private ITimer? _stallTimer;
    private ITimer? _handshakeTimer;
    private string? _closeReason;
    private bool _handshakeDone;
    private bool _announced;

    // The coalescing buffer of the open IpcWriteBatch (under _sync): frames, and what they count for once written.
    private byte[]? _batchBuffer;
    private int _batchLength;
    private int _batchResponses;
    private int _batchEvents;
    private long _batchEventBytes;
    private bool _enlisted;

    internal IpcSession(int id, Socket socket, PeerCredentials credentials, IpcServer server)
    {
        Id = id;
        _socket = socket;
        Credentials = credentials;
        _server = server;
        _options = server.Options;
        _requestCredits = new SemaphoreSlim(_options.MaxOutstandingRequests);
        // Unbounded as a channel, but bounded by accounting: events by the queue limits, responses by the request credits.
        // Synchronous continuations: the writer loop runs on the thread that queued the frame (the daemon's loop),
        // and a non-blocking send completes there, instead of waking a thread-pool thread for every reply and event.
        // The write loop never blocks: a full socket buffer makes SendAsync asynchronous, and it resumes elsewhere.
        _outbound = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = true,
        });
    }

    /// <summary>Server-assigned id, unique while the server runs.</summary>
    public int Id { get; }

    /// <summary>The peer's credentials from SO_PEERCRED.</summary>
    public PeerCredentials Credentials { get; }

    /// <summary>The client's process id.</summary>
    public int ProcessId => Credentials.ProcessId;

    /// <summary>The client's user id.</summary>
    public uint UserId => Credentials.UserId;

    /// <summary>The client's primary group id.</summary>
    public uint GroupId => Credentials.GroupId;

    /// <summary>The name the client gave in Hello.</summary>
    public string ClientName { get; private set; } = string.Empty;

    /// <summary>The protocol version agreed in the handshake.</summary>
    public ushort ProtocolVersion { get; private set; }

    /// <summary>Free for the daemon to hang its per-client state on.</summary>
    public object? Tag { get; set; }

    /// <summary>Events queued and not yet written to the socket.</summary>
    public int QueuedEvents
    {
        get
        {
            lock (_sync)
            {
                return _queuedEvents;
            }
        }
    }

    /// <summary>True while the event queue is at or above the high-water mark.</summary>
    public bool IsAboveHighWater
    {
        get
        {
            lock (_sync)
            {
                return _aboveHighWater;
            }
        }
    }

    /// <summary>True once the session is closing or closed.</summary>
    public bool IsClosed => CloseReason is not null;

    /// <summary>Why the session closed; null while it is open.</summary>
    public string? CloseReason
    {
        get
        {
            lock (_sync)
            {
                return _closeReason;
            }
        }
    }

    /// <summary>
    /// Raised on the writer task when the event queue falls back below the high-water mark after
    /// <see cref="EnqueueResult.AboveHighWater"/>; the daemon lifts flow control for this client. Must not block.
    /// </summary>
    public event Action<IpcSession>? Drained;

    /// <summary>Queues the response to request <paramref name="requestId"/>. False when the session is closed.</summary>
    public bool Reply(uint requestId, IpcResponse response) =>
        EnqueueResponse(IpcCodec.EncodeFrame(requestId, response));

    /// <summary>Queues <see cref="OkResponse"/> for request <paramref name="requestId"/>.</summary>
    public bool ReplyOk(uint requestId) => Reply(requestId, OkResponse.Instance);

    /// <summary>Queues an <see cref="ErrorResponse"/> for request <paramref name="requestId"/>.</summary>
    public bool ReplyError(uint requestId, ErrorCode code, string message) => Reply(requestId, new ErrorResponse(code, message));

    /// <summary>Offers an event to the client's queue; see <see cref="EnqueueResult"/>.</summary>
    public EnqueueResult TryEnqueueEvent(IpcEvent ipcEvent) =>
        TryEnqueueEventFrame(IpcCodec.EncodeFrame(IpcProtocol.UnsolicitedRequestId, ipcEvent));

    /// <summary>Offers an event encoded once for many sessions; see <see cref="EnqueueResult"/>.</summary>
    public EnqueueResult TryEnqueueEvent(EncodedEvent encoded) => TryEnqueueEventFrame(encoded.Frame);

    /// <summary>Closes the connection at once; queued frames are discarded. Idempotent.</summary>
    /// <param name="reason">Why, for the log and for <see cref="IIpcHandler.OnDisconnected"/>.</param>
    public void Close(string reason)
    {
        if (MarkClosed(reason))
        {
            Abort();
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        ClientName.Length == 0
            ? $"client {Id} (pid {ProcessId}, uid {UserId})"
            : $"client {Id} '{ClientName}' (pid {ProcessId}, uid {UserId})";

    internal async Task RunAsync()
    {
        Task writer = Task.Run(WriteLoopAsync);
        try
        {
            lock (_sync)
            {
                if (_closeReason is null)
                {
                    _handshakeTimer = _options.TimeProvider.CreateTimer(
                        static s => ((IpcSession)s!).OnHandshakeTimeout(), this, _options.HandshakeTimeout, Timeout.InfiniteTimeSpan);
                }
            }

            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (IsClosed)
        {
            // Close() cancelled a pending read.
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            MarkClosed($"read failed: {ex.Message}");
        }
        catch (Exception ex)
        {
            IpcLog.ReadLoopFailed(_server.Logger, this, ex);
            MarkClosed($"internal error: {ex.Message}");
        }
        finally
        {
            await ShutdownAsync(writer).ConfigureAwait(false);
        }
    }

    private async Task ShutdownAsync(Task writer)
    {
        MarkClosed("connection closed");
        _readCancel.Cancel();
        if (!writer.IsCompleted)
        {
            // A graceful close (error frame queued, channel completed) gets a bounded time to flush.
            try
            {
                await writer.WaitAsync(_options.CloseFlushTimeout, _options.TimeProvider).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        Abort();
        await writer.ConfigureAwait(false);
        _socket.Dispose();
        lock (_sync)
        {
            _stallTimer?.Dispose();
            _handshakeTimer?.Dispose();
        }

        _readCancel.Dispose();
        _writeCancel.Dispose();
        _requestCredits.Dispose();
        // Out of the server's table before the handler hears of it, so a slot freed by a disconnect can be reused at once.
        _server.Forget(this);
        string reason = CloseReason!;
        if (_announced)
        {
            // Debug, not info: every CLI call connects and disconnects, and a monitoring loop must not flood the log.
            IpcLog.Disconnected(_server.Logger, this, reason);
            try
            {
                _server.Handler.OnDisconnected(this, reason);
            }
            catch (Exception ex)
            {
                IpcLog.OnDisconnectedThrew(_server.Logger, this, ex);
            }
        }
        else
        {
            IpcLog.ClosedBeforeHandshake(_server.Logger, this, reason);
        }
    }

    private async Task ReadLoopAsync()
    {
        byte[] buffer = new byte[Math.Min(InitialBufferSize, _options.MaxFrameSize + IpcProtocol.LengthPrefixSize)];
        int start = 0;
        int count = 0;
        var token = _readCancel.Token;
        while (true)
        {
            // Decode every complete frame already buffered.
            while (true)
            {
                var status = IpcCodec.TryReadLength(
                    buffer.AsSpan(start, count), _options.MaxFrameSize, out int bodyLength, out string? error);
                if (status == DecodeStatus.InvalidData)
                {
                    ProtocolError(error!);
                    return;
                }

                if (status == DecodeStatus.NeedMoreData)
                {
                    break;
                }

                int total = IpcProtocol.LengthPrefixSize + bodyLength;
                if (count < total)
                {
                    // Make room for the whole frame; its size was checked against MaxFrameSize above.
                    if (buffer.Length < total)
                    {
                        byte[] larger = new byte[total];
                        buffer.AsSpan(start, count).CopyTo(larger);
                        buffer = larger;
                        start = 0;
                    }

                    break;
                }

                status = IpcCodec.TryDecodeBody(
                    buffer.AsSpan(start + IpcProtocol.LengthPrefixSize, bodyLength), out var frame, out error);
                if (status != DecodeStatus.Done)
                {
                    ProtocolError(error!);
                    return;
                }

                start += total;
                count -= total;
                if (!await HandleFrameAsync(frame, token).ConfigureAwait(false))
                {
                    return;
                }
            }

            if (count == 0)
            {
                start = 0;
                if (buffer.Length > InitialBufferSize)
                {
                    // Give back the memory of a large frame once it has been handled.
                    buffer = new byte[InitialBufferSize];
                }
            }
            else if (start > 0 && start + count == buffer.Length)
            {
                buffer.AsSpan(start, count).CopyTo(buffer);
                start = 0;
            }
            else if (start + count == buffer.Length)
            {
                // A full buffer holding less than one frame cannot happen: it was grown to the frame's size.
                ProtocolError("internal: receive buffer full");
                return;
            }

            int read = await _socket.ReceiveAsync(buffer.AsMemory(start + count), SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                MarkClosed(count == 0 ? "client closed the connection" : "client closed the connection in the middle of a frame");
                return;
            }

            count += read;
        }
    }

    // False when the connection must close.
    private async ValueTask<bool> HandleFrameAsync(DecodedFrame frame, CancellationToken token)
    {
        if (frame.Message is not IpcRequest request)
        {
            ProtocolError($"unexpected {frame.Message.Type} from a client (only requests are allowed)");
            return false;
        }

        if (!_handshakeDone)
        {
            if (request is not HelloRequest hello)
            {
                ProtocolError($"expected Hello as the first frame, got {request.Type}");
                return false;
            }

            await _requestCredits.WaitAsync(token).ConfigureAwait(false);
            return Handshake(frame.RequestId, hello);
        }

        if (request is HelloRequest)
        {
            ProtocolError("a second Hello on the same connection");
            return false;
        }

        if (frame.RequestId == IpcProtocol.UnsolicitedRequestId)
        {
            ProtocolError($"{request.Type} with request id 0, which is reserved for events");
            return false;
        }

        // A client that does not read its responses uses up its credits, and then we stop reading its requests.
        await _requestCredits.WaitAsync(token).ConfigureAwait(false);
        // Only the request's own format is checked here; the service that handles it checks its domain rules.
        var code = request.Validate(out string message);
        if (code != ErrorCode.Ok)
        {
            ReplyError(frame.RequestId, code, message);
            return true;
        }

        try
        {
            _server.Handler.OnRequest(this, frame.RequestId, request);
        }
        catch (Exception ex)
        {
            IpcLog.OnRequestThrew(_server.Logger, this, request.Type, ex);
            ReplyError(frame.RequestId, ErrorCode.Library, "internal error in musterd");
        }

        return true;
    }

    private bool Handshake(uint requestId, HelloRequest hello)
    {
        lock (_sync)
        {
            _handshakeTimer?.Dispose();
            _handshakeTimer = null;
        }

        ushort chosen = Math.Min(hello.MaxVersion, IpcProtocol.CurrentVersion);
        ushort lowest = Math.Max(hello.MinVersion, IpcProtocol.MinVersion);
        if (hello.MinVersion > hello.MaxVersion || chosen < lowest)
        {
            string text = $"client speaks protocol versions {hello.MinVersion}-{hello.MaxVersion}; " +
                $"this musterd speaks {IpcProtocol.MinVersion}-{IpcProtocol.CurrentVersion}";
            if (_server.ShouldLog(LogLevel.Warning, "version", out long suppressed))
            {
                IpcLog.VersionRefused(_server.Logger, this, hello.MinVersion, hello.MaxVersion, IpcProtocol.MinVersion,
                    IpcProtocol.CurrentVersion, suppressed);
            }


            CloseWithError(ErrorCode.Version, text, requestId);
            return false;
        }

        ClientName = hello.ClientName;
        ProtocolVersion = chosen;
        _handshakeDone = true;
        Reply(requestId, new HelloOkResponse(chosen, _options.NodeId, _options.NodeName, _options.ClusterName, _options.MaxMessageSize));
        lock (_sync)
        {
            if (_closeReason is not null)
            {
                return false;
            }

            _announced = true;
        }

        IpcLog.Connected(_server.Logger, this, GroupId, chosen);
        try
        {
            _server.Handler.OnConnected(this);
        }
        catch (Exception ex)
        {
            IpcLog.OnConnectedThrew(_server.Logger, this, ex);
            Close("internal error in musterd");
            return false;
        }

        return true;
    }

    private void ProtocolError(string reason)
    {
        if (_server.ShouldLog(LogLevel.Warning, "protocol", out long suppressed))
        {
            IpcLog.ProtocolError(_server.Logger, this, reason, suppressed);
        }


        CloseWithError(ErrorCode.MessageError, $"protocol error: {reason}", IpcProtocol.UnsolicitedRequestId);
    }

    private void OnHandshakeTimeout()
    {
        lock (_sync)
        {
            if (_handshakeDone || _closeReason is not null)
            {
                return;
            }
        }

        if (_server.ShouldLog(LogLevel.Warning, "handshake", out long suppressed))
        {
            IpcLog.HandshakeTimeout(_server.Logger, this, _options.HandshakeTimeout, suppressed);
        }


        CloseWithError(ErrorCode.Timeout, $"no Hello within {_options.HandshakeTimeout}", IpcProtocol.UnsolicitedRequestId);
        CancelReads();
    }

    // Queues an error frame after everything already queued, then lets the writer finish; the read side stops.
    // The session's shutdown gives the writer CloseFlushTimeout to deliver it.
    private void CloseWithError(ErrorCode code, string message, uint requestId)
    {
        byte[] frame = IpcCodec.EncodeFrame(requestId, new ErrorResponse(code, message));
        lock (_sync)
        {
            if (_closeReason is not null)
            {
                return;
            }

            _closeReason = message;
            _outbound.Writer.TryWrite(new Outbound(frame, OutboundKind.Final, 0, 0, 0, null));
            _outbound.Writer.TryComplete();
        }
    }

    private bool MarkClosed(string reason)
    {
        lock (_sync)
        {
            if (_closeReason is not null)
            {
                return false;
            }

            _closeReason = reason;
            _outbound.Writer.TryComplete();
            _stallTimer?.Dispose();
            _handshakeTimer?.Dispose();
            return true;
        }
    }

    private void CancelReads()
    {
        try
        {
            _readCancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Abort()
    {
        try
        {
            _readCancel.Cancel();
            _writeCancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private bool EnqueueResponse(byte[] frame)
    {
        lock (_sync)
        {
            if (_closeReason is not null)
            {
                return false;
            }

            if (IpcWriteBatch.Current is { } batch)
            {
                AppendToBatch(batch, frame);
                _batchResponses++;
                return true;
            }

            return _outbound.Writer.TryWrite(new Outbound(frame, OutboundKind.Response, 1, 0, 0, null));
        }
    }

    // Called under _sync.
    private void AppendToBatch(IpcWriteBatch batch, ReadOnlySpan<byte> frame)
    {
        if (_batchBuffer is null || _batchLength + frame.Length > _batchBuffer.Length)
        {
            int want = Math.Max(InitialBufferSize, (_batchLength + frame.Length) * 2);
            var grown = System.Buffers.ArrayPool<byte>.Shared.Rent(want);
            if (_batchBuffer is not null)
            {
                _batchBuffer.AsSpan(0, _batchLength).CopyTo(grown);
                System.Buffers.ArrayPool<byte>.Shared.Return(_batchBuffer);
            }

            _batchBuffer = grown;
        }

        frame.CopyTo(_batchBuffer.AsSpan(_batchLength));
        _batchLength += frame.Length;
        if (!_enlisted)
        {
            _enlisted = true;
            batch.Enlist(this);
        }
    }

    /// <summary>Hands the frames held by the write batch to the writer as one write.</summary>
    internal void FlushBatch()
    {
        lock (_sync)
        {
            _enlisted = false;
            if (_batchBuffer is null)
            {
                return;
            }

            var item = new Outbound(_batchBuffer.AsMemory(0, _batchLength), OutboundKind.Batch, _batchResponses, _batchEvents, _batchEventBytes, _batchBuffer);
            _batchBuffer = null;
            _batchLength = 0;
            _batchResponses = 0;
            _batchEvents = 0;
            _batchEventBytes = 0;
            if (_closeReason is not null || !_outbound.Writer.TryWrite(item))
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(item.Rented!);
            }
        }
    }

    private EnqueueResult TryEnqueueEventFrame(ReadOnlyMemory<byte> frame)
    {
        string? overflow = null;
        lock (_sync)
        {
            if (_closeReason is not null)
            {
                return EnqueueResult.Closed;
            }

            if (_queuedEvents >= _options.EventQueueLimit)
            {
                overflow = $"event queue overflow: {_queuedEvents} events queued (limit {_options.EventQueueLimit})";
            }
            else if (_queuedBytes + frame.Length > _options.EventQueueByteLimit)
            {
                overflow = $"event queue overflow: {_queuedBytes} bytes queued (limit {_options.EventQueueByteLimit})";
            }
            else
            {
                _queuedEvents++;
                _queuedBytes += frame.Length;
                if (IpcWriteBatch.Current is { } batch)
                {
                    AppendToBatch(batch, frame.Span);
                    _batchEvents++;
                    _batchEventBytes += frame.Length;
                }
                else
                {
                    _outbound.Writer.TryWrite(new Outbound(frame, OutboundKind.Event, 0, 1, frame.Length, null));
                }

                if (_queuedEvents < _options.HighWaterMark)
                {
                    return EnqueueResult.Queued;
                }

                if (!_aboveHighWater)
                {
                    _aboveHighWater = true;
                    StartStallTimer();
                }

                return EnqueueResult.AboveHighWater;
            }
        }

        if (_server.ShouldLog(LogLevel.Warning, "overflow", out long suppressed))
        {
            IpcLog.QueueOverflow(_server.Logger, this, overflow, suppressed);
        }


        Close(overflow);
        return EnqueueResult.Overflow;
    }

    // Called under _sync. A fresh timer per episode, tagged with a generation, so a callback from an earlier
    // episode that is already running cannot close a client that drained and filled up again since.
    private void StartStallTimer()
    {
        long generation = ++_stallGeneration;
        _stallTimer?.Dispose();
        _stallTimer = _options.TimeProvider.CreateTimer(
            static s =>
            {
                var (session, gen) = ((IpcSession, long))s!;
                session.OnStallTimeout(gen);
            },
            (this, generation),
            _options.StallTimeout,
            Timeout.InfiniteTimeSpan);
    }

    private void OnStallTimeout(long generation)
    {
        string reason;
        lock (_sync)
        {
            if (generation != _stallGeneration || !_aboveHighWater || _closeReason is not null)
            {
                return;
            }

            reason = $"client stalled: {_queuedEvents} events queued at or above the high-water mark of " +
                $"{_options.HighWaterMark} for {_options.StallTimeout.TotalSeconds:0.###} s";
        }

        if (_server.ShouldLog(LogLevel.Warning, "stall", out long suppressed))
        {
            IpcLog.Stalled(_server.Logger, this, reason, suppressed);
        }


        Close(reason);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        var token = _writeCancel.Token;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    var remaining = item.Frame;
                    while (!remaining.IsEmpty)
                    {
                        int sent = await _socket.SendAsync(remaining, SocketFlags.None, token).ConfigureAwait(false);
                        remaining = remaining[sent..];
                    }

                    OnWritten(item);
                    if (item.Rented is not null)
                    {
                        System.Buffers.ArrayPool<byte>.Shared.Return(item.Rented);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (MarkClosed($"write failed: {ex.Message}"))
            {
                Abort();
            }
        }
        catch (Exception ex)
        {
            IpcLog.WriteLoopFailed(_server.Logger, this, ex);
            if (MarkClosed($"internal error: {ex.Message}"))
            {
                Abort();
            }
        }
    }

    private void OnWritten(in Outbound item)
    {
        if (item.Responses > 0)
        {
            _requestCredits.Release(item.Responses);
        }

        if (item.Events == 0)
        {
            return;
        }

        bool drained = false;
        lock (_sync)
        {
            _queuedEvents -= item.Events;
            _queuedBytes -= item.EventBytes;
            if (_aboveHighWater && _queuedEvents < _options.HighWaterMark)
            {
                _aboveHighWater = false;
                _stallGeneration++;
                _stallTimer?.Dispose();
                _stallTimer = null;
                drained = _closeReason is null;
            }
        }

        if (drained)
        {
            try
            {
                Drained?.Invoke(this);
            }
            catch (Exception ex)
            {
                IpcLog.DrainedThrew(_server.Logger, this, ex);
            }
        }
    }

    private enum OutboundKind
    {
        Response,
        Event,
        Final,
        /// <summary>Frames coalesced by an <see cref="IpcWriteBatch"/>, in a rented buffer.</summary>
        Batch,
    }

    /// <summary>One write: the bytes, and how many responses and events (of how many bytes) they complete.</summary>
    private readonly record struct Outbound(
        ReadOnlyMemory<byte> Frame, OutboundKind Kind, int Responses, int Events, long EventBytes, byte[]? Rented);
}
