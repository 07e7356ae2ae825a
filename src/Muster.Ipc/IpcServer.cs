using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Muster.Core;
using Microsoft.Extensions.Logging;
using Muster.Diagnostics;
using Muster.Ipc.Contracts;

namespace Muster.Ipc;

/// <summary>The daemon's local IPC endpoint: a Unix stream socket that authenticates peers and runs one session each.</summary>
/// <remarks>
/// Everything is bounded: connections (<see cref="IpcServerOptions.MaxClients"/>), frame size, per-client event queues
/// and outstanding requests. A client that misbehaves (bad frames, no Hello, stalls) is closed with a logged reason;
/// the server and every other client carry on.
/// </remarks>
public sealed class IpcServer : IAsyncDisposable
{
    private const string Category = "ipc";
    // Refusals in flight (each sends one error frame with a deadline); beyond this, extra connections are just closed.
    private const int MaxConcurrentRefusals = 32;

    private readonly ConcurrentDictionary<int, (IpcSession Session, Task Run)> _sessions = new();
    private readonly SharedRateLimiter _logLimiter = new(TimeSpan.FromSeconds(10));
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<uint> _allowedUsers;
    private readonly HashSet<uint> _allowedGroups;
    private Socket? _listener;
    private Task? _acceptLoop;
    private int _nextSessionId;
    private int _refusalsInFlight;
    private int _state; // 0 new, 1 started, 2 stopped

    /// <summary>Creates a server; nothing happens until <see cref="Start"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="handler">The daemon side: connections, requests, disconnections.</param>
    /// <param name="loggers">Where the server's lines go (category <c>ipc</c>).</param>
    public IpcServer(IpcServerOptions options, IIpcHandler handler, ILoggerFactory loggers)
    {
        options.Validate();
        Options = options;
        Handler = handler;
        Logger = loggers.CreateLogger(Category);
        _allowedUsers = [.. options.AllowedUserIds];
        _allowedGroups = [.. options.AllowedGroupIds];
    }

    /// <summary>The settings.</summary>
    public IpcServerOptions Options { get; }

    /// <summary>Connections open now, including those still in the handshake.</summary>
    public int ClientCount => _sessions.Count;

    /// <summary>The open sessions.</summary>
    public IReadOnlyList<IpcSession> Sessions => [.. _sessions.Values.Select(v => v.Session)];

    internal IIpcHandler Handler { get; }

    internal ILogger Logger { get; }

    /// <summary>
    /// Creates the socket (removing a stale socket file that no daemon answers on), applies its mode and group, and
    /// starts accepting.
    /// </summary>
    /// <exception cref="IpcServerException">Another daemon listens on the path, or the socket cannot be set up.</exception>
    public void Start()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("musterd's IPC server needs Unix sockets with SO_PEERCRED (Linux)");
        }

        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("the IPC server was already started");
        }

        string path = Options.SocketPath;
        string? directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        RemoveStaleSocket(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            // Mode and group are set between bind and listen: until listen() nobody can connect, so there is no
            // window in which the socket is reachable with the umask's permissions.
            File.SetUnixFileMode(path, Options.SocketMode);
            ApplySocketGroup(path);
            listener.Listen(Options.ListenBacklog);
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new IpcServerException($"cannot create the IPC socket {path}: {ex.Message}", ex);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        string mode = Convert.ToString((int)Options.SocketMode, 8);
        IpcLog.Listening(Logger, path, mode);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Stops accepting, closes every session (each reported to the handler), and removes the socket file.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        try
        {
            File.Delete(Options.SocketPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            IpcLog.CannotRemoveSocket(Logger, Options.SocketPath, ex.Message);
        }

        var running = _sessions.Values.ToArray();
        foreach (var (session, _) in running)
        {
            session.Close("musterd is stopping");
        }

        await Task.WhenAll(running.Select(r => r.Run)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>
    /// True when a rate-limited line for <paramref name="key"/> may be logged now (at most one per 10 s per key, so a
    /// misbehaving client cannot flood the log); <paramref name="suppressed"/> counts those held back since the last.
    /// </summary>
    internal bool ShouldLog(LogLevel level, string key, out long suppressed)
    {
        suppressed = 0;
        return Logger.IsEnabled(level)
            && _logLimiter.TryAcquire(key, Options.TimeProvider.GetInstant(), out suppressed);
    }

    internal void Forget(IpcSession session) => _sessions.TryRemove(session.Id, out _);

    private void RemoveStaleSocket(string path)
    {
        // File.Exists is false for sockets; Path.Exists sees any directory entry.
        if (!Path.Exists(path))
        {
            return;
        }

        if (Directory.Exists(path))
        {
            throw new IpcServerException($"the socket path {path} is a directory");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody listens: a socket file left by a daemon that died.
            IpcLog.RemovingStaleSocket(Logger, path);
            File.Delete(path);
            return;
        }
        catch (SocketException ex)
        {
            throw new IpcServerException($"cannot check the existing socket {path}: {ex.Message}", ex);
        }

        throw new IpcServerException($"another musterd is already listening on {path}");
    }

    private void ApplySocketGroup(string path)
    {
        if (string.IsNullOrEmpty(Options.SocketGroup))
        {
            return;
        }

        if (!UnixAccounts.TryGetGroupId(Options.SocketGroup, out uint gid))
        {
            throw new IpcServerException($"socket group '{Options.SocketGroup}' does not exist");
        }

        if (Libc.Chown(path, uint.MaxValue, gid) != 0)
        {
            throw new IpcServerException(
                $"cannot give {path} to group {Options.SocketGroup} ({gid}): {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (token.IsCancellationRequested && ex is OperationCanceledException or SocketException
                or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and the like: log and keep accepting; the pending connection stays in the backlog.
                if (ShouldLog(LogLevel.Error, "accept", out long suppressed))
                {
                    IpcLog.AcceptFailed(Logger, ex.Message, suppressed);
                }


                await Task.Yield();
                continue;
            }

            try
            {
                Admit(client);
            }
            catch (Exception ex)
            {
                IpcLog.AdmitFailed(Logger, ex);
                client.Dispose();
            }
        }
    }

    private void Admit(Socket client)
    {
        if (!PeerCredentials.TryRead(client, out var credentials, out string error))
        {
            if (ShouldLog(LogLevel.Warning, "peercred", out long suppressed))
            {
                IpcLog.PeerCredentialsUnreadable(Logger, error, suppressed);
            }


            Refuse(client, ErrorCode.Security, $"cannot identify the connecting process: {error}");
            return;
        }

        if (!IsAllowed(credentials!))
        {
            if (ShouldLog(LogLevel.Warning, $"denied:{credentials!.UserId}", out long suppressed))
            {
                IpcLog.AccessDenied(Logger, credentials.ProcessId, credentials.UserId, credentials.GroupId, suppressed);
            }


            Refuse(client, ErrorCode.AccessDenied,
                $"uid {credentials.UserId} is not allowed to use musterd (see [ipc] allowed_users/allowed_groups)");
            return;
        }

        if (_sessions.Count >= Options.MaxClients)
        {
            if (ShouldLog(LogLevel.Warning, "maxclients", out long suppressed))
            {
                IpcLog.TooManyClients(Logger, credentials!.ProcessId, Options.MaxClients, suppressed);
            }


            Refuse(client, ErrorCode.NoResources,
                $"musterd already has {Options.MaxClients} clients connected (see [limits] ipc_max_clients)");
            return;
        }

        int id = Interlocked.Increment(ref _nextSessionId);
        var session = new IpcSession(id, client, credentials!, this);
        // Registered before it runs so the count is right; the run removes it when the session ends.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = RunSessionAsync(session, start.Task);
        _sessions[id] = (session, run);
        start.SetResult();
    }

    private async Task RunSessionAsync(IpcSession session, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            Forget(session);
        }
    }

    private bool IsAllowed(PeerCredentials peer)
    {
        if (peer.UserId == 0 && Options.AllowRoot)
        {
            return true;
        }

        if (_allowedUsers.Contains(peer.UserId) || _allowedGroups.Contains(peer.GroupId))
        {
            return true;
        }

        foreach (uint gid in peer.SupplementaryGroupIds)
        {
            if (_allowedGroups.Contains(gid))
            {
                return true;
            }
        }

        return false;
    }

    // Sends one error frame with a deadline, then closes. Fire and forget, but bounded in number.
    private void Refuse(Socket client, ErrorCode code, string message)
    {
        if (Interlocked.Increment(ref _refusalsInFlight) > MaxConcurrentRefusals)
        {
            Interlocked.Decrement(ref _refusalsInFlight);
            client.Dispose();
            return;
        }

        _ = RefuseAsync(client, IpcCodec.EncodeFrame(IpcProtocol.UnsolicitedRequestId, new ErrorResponse(code, message)));
    }

    private async Task RefuseAsync(Socket client, byte[] frame)
    {
        try
        {
            using var deadline = new CancellationTokenSource(Options.CloseFlushTimeout, Options.TimeProvider);
            var remaining = frame.AsMemory();
            while (!remaining.IsEmpty)
            {
                int sent = await client.SendAsync(remaining, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                remaining = remaining[sent..];
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            Interlocked.Decrement(ref _refusalsInFlight);
        }
    }
}
