using System.Net.Sockets;
using Muster.Client.Wire;
using Muster.Core;
using Muster.Ipc.Contracts;
using ErrorCode = Muster.Client.ErrorCode;
using KeyOperation = Muster.Client.KeyOperation;
using RefusalInfo = Muster.Client.RefusalInfo;

namespace Muster.Client;

/// <summary>A connection to the local musterd: cluster membership, process groups and daemon status.</summary>
/// <remarks>
/// <para>
/// The equivalent of an initialised Corosync handle (<c>cpg_initialize</c> / <c>saClmInitialize</c>), except that
/// one client serves both services and needs no dispatch loop: a background task reads the socket and routes each
/// response to its caller and each event to its stream (<see cref="ProcessGroup.ReadEventsAsync"/>,
/// <see cref="ClusterMembership.TrackAsync"/>). Event streams are bounded: when an application stops reading one,
/// the client stops reading the socket, the daemon's queue for this client fills, and the daemon applies flow
/// control (sends answer TryAgain or wait). A client that stays stalled long enough is disconnected by the daemon.
/// Read the event streams of the groups you send to, or sends can wait for ever behind unread events.
/// </para>
/// <para>All members are thread-safe. Disposing (<c>cpg_finalize</c>) closes the connection; the daemon then reports
/// this process as gone from its groups (CPG_REASON_PROCDOWN), and every event stream completes.</para>
/// </remarks>
public sealed class MusterClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly FrameReceiver _receiver;
    private readonly MusterClientOptions _options;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _sync = new();
    private readonly Dictionary<uint, TaskCompletionSource<IpcResponse>> _pending = [];
    private readonly Dictionary<string, ProcessGroup> _groups = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _receiveCancel = new();
    private Task _receiveLoop = Task.CompletedTask;
    private uint _nextRequestId = 1;
    private Exception? _failure;
    private string? _daemonCloseReason;
    private int _disposed;

    private MusterClient(Socket socket, FrameReceiver receiver, HelloOkResponse hello, MusterClientOptions options, string path)
    {
        _socket = socket;
        _receiver = receiver;
        _options = options;
        SocketPath = path;
        NodeId = hello.NodeId;
        NodeName = hello.NodeName;
        ClusterName = hello.ClusterName;
        ProtocolVersion = hello.Version;
        MaxMessageSize = hello.MaxMessageSize;
        Membership = new ClusterMembership(this);
        Groups = new ProcessGroups(this);
        Quorum = new ClusterQuorum(this);
        Fencing = new ClusterFencing(this);
    }

    /// <summary>The local node's id (<c>cpg_local_get</c> gives it too; AIS <c>SA_CLM_LOCAL_NODE_ID</c>).</summary>
    public NodeId NodeId { get; }

    /// <summary>The local node's name.</summary>
    public string NodeName { get; }

    /// <summary>The cluster's name.</summary>
    public string ClusterName { get; }

    /// <summary>The IPC protocol version agreed with the daemon.</summary>
    public int ProtocolVersion { get; }

    /// <summary>The largest group message the daemon accepts, in bytes.</summary>
    public int MaxMessageSize { get; }

    /// <summary>The socket this client is connected to.</summary>
    public string SocketPath { get; }

    /// <summary>True until the connection is lost or the client is disposed.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_sync)
            {
                return _failure is null;
            }
        }
    }

    /// <summary>Cluster membership (AIS CLM).</summary>
    public ClusterMembership Membership { get; }

    /// <summary>Process groups (Corosync CPG).</summary>
    public ProcessGroups Groups { get; }

    /// <summary>Quorum (Corosync quorum and votequorum).</summary>
    public ClusterQuorum Quorum { get; }

    /// <summary>Fencing (Pacemaker's fencer, as <c>stonith_admin</c> sees it).</summary>
    public ClusterFencing Fencing { get; }

    internal MusterClientOptions Options => _options;

    /// <summary>Connects to musterd and performs the version handshake.</summary>
    /// <remarks>Corresponds to <c>cpg_initialize</c> / <c>saClmInitialize</c> (and <c>cpg_local_get</c>).</remarks>
    /// <param name="options">Where and how to connect; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="MusterNotConnectedException">The socket cannot be reached (is musterd running?).</exception>
    /// <exception cref="MusterException">
    /// The daemon refused the client: <see cref="ErrorCode.AccessDenied"/> (not in allowed_users/allowed_groups),
    /// <see cref="ErrorCode.NoResources"/> (too many clients), <see cref="ErrorCode.Version"/>; or it did not answer in
    /// time (<see cref="ErrorCode.Timeout"/>).
    /// </exception>
    public static async Task<MusterClient> ConnectAsync(MusterClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MusterClientOptions();
        string path = options.ResolveSocketPath();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new MusterNotConnectedException($"cannot connect to musterd at {path}: {ex.Message} (is musterd running?)", ex);
            }

            var receiver = new FrameReceiver(socket, options.MaxFrameSize);
            string clientName = options.ClientName ?? AppDomain.CurrentDomain.FriendlyName;
            byte[] hello = IpcCodec.EncodeFrame(1, new HelloRequest(IpcProtocol.MinVersion, IpcProtocol.CurrentVersion, clientName));
            SocketException? sendFailure = null;
            try
            {
                await SendAllAsync(socket, hello, timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                // A daemon that refuses us may already have written its reason and closed; read it below.
                sendFailure = ex;
            }

            DecodedFrame? frame;
            try
            {
                frame = await receiver.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new MusterNotConnectedException(
                    $"musterd at {path} closed the connection during the handshake: {(sendFailure ?? ex).Message}", ex);
            }

            switch (frame?.Message)
            {
                case HelloOkResponse ok when ok.Version is >= IpcProtocol.MinVersion and <= IpcProtocol.CurrentVersion:
                    receiver.MaxFrameSize = Math.Max(options.MaxFrameSize, ok.MaxMessageSize + IpcProtocol.FrameOverhead);
                    var client = new MusterClient(socket, receiver, ok, options, path);
                    client.Start();
                    return client;
                case HelloOkResponse ok:
                    throw new MusterException(ErrorCode.Version, $"musterd at {path} chose protocol version {ok.Version}, which this client does not speak");
                case ErrorResponse error:
                    throw new MusterException(FromWire.Code(error.Code), $"musterd at {path} refused the connection: {error.Message}");
                case null:
                    throw new MusterNotConnectedException($"musterd at {path} closed the connection during the handshake");
                default:
                    throw new MusterException(ErrorCode.Library, $"musterd at {path} answered Hello with {frame.Value.Message.Type}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new MusterException(ErrorCode.Timeout, $"musterd at {path} did not answer within {options.ConnectTimeout}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the daemon's status: identity, view, members, timeouts and counters (what <c>muster status</c> prints).</summary>
    /// <remarks>Corosync spreads this over cmap and quorum calls; here it is one request.</remarks>
    public async Task<DaemonStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var s = await RequestAsync<StatusResponse>(GetStatusRequest.Instance, cancellationToken).ConfigureAwait(false);
        return FromWire.Status(s);
    }

    /// <summary>Lists the cluster keys the daemon holds: the one it seals with, and any staged or previous key.</summary>
    /// <remarks>Encryption is on unless the configuration says <c>security.crypto = "none"</c>; then the list is empty.</remarks>
    public async Task<ClusterKeys> GetKeysAsync(CancellationToken cancellationToken = default) =>
        FromWire.Keys(await RequestAsync<KeysResponse>(GetKeysRequest.Instance, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The state of every link from this node to every peer: up or down, round-trip time, time since the last change,
    /// and counters (see docs/cli.md, <c>muster links</c>).
    /// </summary>
    /// <remarks>A link failover shows here (and in the <c>link_down_transitions</c> status counter) without any view change.</remarks>
    public async Task<LinkReport> GetLinksAsync(CancellationToken cancellationToken = default) =>
        FromWire.Links(await RequestAsync<LinksResponse>(GetLinksRequest.Instance, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Why packets between this node and others are refused or dropped, as seen lately: another config version,
    /// node list or cluster name, another key file, datagrams from addresses outside the node list (see docs/cli.md,
    /// <c>muster status</c>). Empty when nothing is refused.
    /// </summary>
    /// <remarks>A musterd from before this request answers <see cref="ErrorCode.NotSupported"/>.</remarks>
    public async Task<IReadOnlyList<RefusalInfo>> GetRefusalsAsync(CancellationToken cancellationToken = default) =>
        FromWire.Refusals((await RequestAsync<RefusalsResponse>(GetRefusalsRequest.Instance, cancellationToken).ConfigureAwait(false)).Refusals);

    /// <summary>Runs one step of an online key rotation on this node (see docs/security.md).</summary>
    /// <param name="operation">
    /// <see cref="KeyOperation.Load"/> (read the key file again and accept a new key in it),
    /// <see cref="KeyOperation.Activate"/> (seal with it) or <see cref="KeyOperation.Retire"/> (drop the old key).
    /// Each step must be done on every node before the next step starts anywhere.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait for the answer.</param>
    /// <returns>The keys afterwards, and what the step did in <see cref="ClusterKeys.Outcome"/>.</returns>
    /// <exception cref="MusterException">The step is not possible now (the message says why).</exception>
    public async Task<ClusterKeys> RunKeyOperationAsync(KeyOperation operation, CancellationToken cancellationToken = default) =>
        FromWire.Keys(await RequestAsync<KeysResponse>(new KeyOperationRequest(ToWire.KeyOperation(operation)), cancellationToken)
            .ConfigureAwait(false));

    /// <summary>Asks the daemon to leave the cluster in an orderly way and exit.</summary>
    /// <remarks>
    /// Like <c>corosync-cfgtool -H</c> (<c>corosync_cfg_try_shutdown</c>): the other nodes see this node leave, not
    /// fail. The connection closes soon after the daemon acknowledges.
    /// </remarks>
    public async Task LeaveClusterAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync<OkResponse>(LeaveClusterRequest.Instance, cancellationToken).ConfigureAwait(false);

    /// <summary>Closes the connection (<c>cpg_finalize</c>, <c>saClmFinalize</c>) and completes every event stream.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _receiveCancel.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
        await _receiveLoop.ConfigureAwait(false);
        _receiveCancel.Dispose();
    }

    internal async Task<T> RequestAsync<T>(IpcRequest request, CancellationToken cancellationToken)
        where T : IpcResponse
    {
        var response = await RequestRawAsync(request, cancellationToken).ConfigureAwait(false);
        return response switch
        {
            T expected => expected,
            ErrorResponse error => throw MusterException.FromError(error),
            _ => throw new MusterException(ErrorCode.Library, $"musterd answered {request.Type} with {response.Type}"),
        };
    }

    // The response, which may be an ErrorResponse; throws only when the request could not be completed.
    internal async Task<IpcResponse> RequestRawAsync(IpcRequest request, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<IpcResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        uint id;
        lock (_sync)
        {
            ThrowIfFailedLocked();
            do
            {
                id = _nextRequestId++;
            }
            while (id == IpcProtocol.UnsolicitedRequestId || _pending.ContainsKey(id));

            _pending[id] = completion;
        }

        try
        {
            byte[] frame = IpcCodec.EncodeFrame(id, request);
            await SendFrameAsync(frame, cancellationToken).ConfigureAwait(false);
            return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_sync)
            {
                _pending.Remove(id);
            }
        }
    }

    internal void RegisterGroup(ProcessGroup group)
    {
        lock (_sync)
        {
            ThrowIfFailedLocked();
            if (!_groups.TryAdd(group.Name, group))
            {
                throw new MusterException(ErrorCode.Exist, $"this client has already joined group '{group.Name}'");
            }
        }
    }

    internal void UnregisterGroup(ProcessGroup group)
    {
        lock (_sync)
        {
            if (_groups.TryGetValue(group.Name, out var current) && ReferenceEquals(current, group))
            {
                _groups.Remove(group.Name);
            }
        }
    }

    // The exception event streams complete with: null after Dispose (a normal end), otherwise why the connection ended.
    internal Exception? StreamFailure
    {
        get
        {
            lock (_sync)
            {
                return _failure is ObjectDisposedException ? null : _failure;
            }
        }
    }

    private void Start() => _receiveLoop = Task.Run(ReceiveLoopAsync);

    private void ThrowIfFailedLocked()
    {
        switch (_failure)
        {
            case null:
                return;
            case ObjectDisposedException:
                throw new ObjectDisposedException(nameof(MusterClient));
            default:
                throw new MusterNotConnectedException(_failure.Message, _failure);
        }
    }

    private async Task SendFrameAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Not cancellable once started: half a frame would corrupt the stream for every later request.
            await SendAllAsync(_socket, frame, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            lock (_sync)
            {
                ThrowIfFailedLocked();
            }

            throw new MusterNotConnectedException($"lost the connection to musterd at {SocketPath}: {ex.Message}", ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        while (!frame.IsEmpty)
        {
            int sent = await socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            frame = frame[sent..];
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var token = _receiveCancel.Token;
        Exception? failure;
        try
        {
            while (true)
            {
                var frame = await _receiver.ReadAsync(token).ConfigureAwait(false);
                if (frame is null)
                {
                    failure = new MusterNotConnectedException(LostMessage("musterd closed the connection"));
                    break;
                }

                await DispatchAsync(frame.Value, token).ConfigureAwait(false);
            }
        }
        catch (Exception) when (Volatile.Read(ref _disposed) != 0)
        {
            failure = new ObjectDisposedException(nameof(MusterClient));
        }
        catch (MusterException ex)
        {
            failure = new MusterNotConnectedException(LostMessage(ex.Message), ex);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            failure = new MusterNotConnectedException(LostMessage(ex.Message), ex);
        }
        catch (Exception ex)
        {
            failure = new MusterNotConnectedException(LostMessage($"internal error: {ex.Message}"), ex);
        }

        Fail(failure);
    }

    private string LostMessage(string detail)
    {
        string? reason;
        lock (_sync)
        {
            reason = _daemonCloseReason;
        }

        return reason is null
            ? $"lost the connection to musterd at {SocketPath}: {detail}"
            : $"musterd at {SocketPath} closed the connection: {reason}";
    }

    private async ValueTask DispatchAsync(DecodedFrame frame, CancellationToken token)
    {
        switch (frame.Message)
        {
            case ErrorResponse error when frame.RequestId == IpcProtocol.UnsolicitedRequestId:
                // The daemon's last word before it closes the connection (protocol error, stall, shutdown).
                lock (_sync)
                {
                    _daemonCloseReason = $"{error.Message} ({error.Code})";
                }

                break;
            case IpcResponse response:
                TaskCompletionSource<IpcResponse>? completion;
                lock (_sync)
                {
                    _pending.TryGetValue(frame.RequestId, out completion);
                }

                // No waiter: the request was cancelled after it was sent.
                completion?.TrySetResult(response);
                break;
            case MembershipChangedEvent changed:
                await Membership.DeliverAsync(changed, token).ConfigureAwait(false);
                break;
            case QuorumChangedEvent quorum:
                await Quorum.DeliverAsync(quorum, token).ConfigureAwait(false);
                break;
            case NodeRecoverableEvent recoverable:
                await Fencing.DeliverAsync(recoverable, token).ConfigureAwait(false);
                break;
            case GroupMessageEvent message:
                await DeliverToGroupAsync(message.Group, new GroupMessage(message.Group, FromWire.GroupMember(message.Sender), message.Payload), token)
                    .ConfigureAwait(false);
                break;
            case GroupMessageOutcomeUnknownEvent unknown:
                await DeliverToGroupAsync(unknown.Group, new GroupMessageOutcomeUnknown(unknown.Group, FromWire.GroupMember(unknown.Sender), unknown.Payload), token)
                    .ConfigureAwait(false);
                break;
            case GroupMembershipChangedEvent change:
                var converted = new GroupMembershipChange(
                    change.Group, change.ViewId, FromWire.GroupMembers(change.Members), FromWire.GroupChanges(change.Joined),
                    FromWire.GroupChanges(change.Left));
                await DeliverToGroupAsync(change.Group, converted, token).ConfigureAwait(false);
                break;
            default:
                throw new MusterException(ErrorCode.Library, $"protocol error from musterd: unexpected {frame.Message.Type}");
        }
    }

    private async ValueTask DeliverToGroupAsync(string name, GroupEvent groupEvent, CancellationToken token)
    {
        ProcessGroup? group;
        lock (_sync)
        {
            _groups.TryGetValue(name, out group);
        }

        // Events for a group this client has left are stragglers: drop them.
        if (group is not null)
        {
            await group.DeliverAsync(groupEvent, token).ConfigureAwait(false);
        }
    }

    private void Fail(Exception failure)
    {
        TaskCompletionSource<IpcResponse>[] pending;
        ProcessGroup[] groups;
        lock (_sync)
        {
            _failure ??= failure;
            pending = [.. _pending.Values];
            _pending.Clear();
            groups = [.. _groups.Values];
            _groups.Clear();
        }

        Exception? streamFailure = StreamFailure;
        foreach (var completion in pending)
        {
            completion.TrySetException(streamFailure ?? new ObjectDisposedException(nameof(MusterClient)));
        }

        foreach (var group in groups)
        {
            group.CompleteEvents(streamFailure);
        }

        Membership.CompleteAll(streamFailure);
        Quorum.CompleteAll(streamFailure);
        Fencing.CompleteAll(streamFailure);
    }
}
