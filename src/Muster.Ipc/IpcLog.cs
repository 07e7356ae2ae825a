using Microsoft.Extensions.Logging;
using Muster.Diagnostics;
using Muster.Ipc.Contracts;

namespace Muster.Ipc;

// The IPC server's log lines (category "ipc", event ids 2000-2099). Session is the client as IpcSession prints it
// (client 3 'name' (pid 123, uid 1000)); Suppressed counts lines the rate limiter held back since the last one.
internal static partial class IpcLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "listening on {SocketPath} (mode {Mode})")]
    public static partial void Listening(ILogger logger, string socketPath, string mode);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "cannot remove {SocketPath}: {Reason}")]
    public static partial void CannotRemoveSocket(ILogger logger, string socketPath, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "removing stale socket {SocketPath}")]
    public static partial void RemovingStaleSocket(ILogger logger, string socketPath);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "accept failed: {Reason}" + LogText.SuppressedSuffix)]
    public static partial void AcceptFailed(ILogger logger, string reason, long suppressed);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "failed to admit a connection")]
    public static partial void AdmitFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "refused a connection: {Reason}" + LogText.SuppressedSuffix)]
    public static partial void PeerCredentialsUnreadable(ILogger logger, string reason, long suppressed);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning,
        Message = "refused pid {Pid} uid {Uid} gid {Gid}: not in allowed_users/allowed_groups" + LogText.SuppressedSuffix)]
    public static partial void AccessDenied(ILogger logger, int pid, uint uid, uint gid, long suppressed);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning,
        Message = "refused pid {Pid}: {MaxClients} clients already connected (ipc_max_clients)" + LogText.SuppressedSuffix)]
    public static partial void TooManyClients(ILogger logger, int pid, int maxClients, long suppressed);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "{Session} connected (gid {Gid}, protocol {Protocol})")]
    public static partial void Connected(ILogger logger, IpcSession session, uint gid, ushort protocol);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Debug, Message = "{Session} disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, IpcSession session, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Debug, Message = "{Session} closed before the handshake finished: {Reason}")]
    public static partial void ClosedBeforeHandshake(ILogger logger, IpcSession session, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning,
        Message = "{Session} refused: client speaks protocol versions {ClientMin}-{ClientMax}; this musterd speaks {Min}-{Max}"
            + LogText.SuppressedSuffix)]
    public static partial void VersionRefused(ILogger logger, IpcSession session, ushort clientMin, ushort clientMax, ushort min,
        ushort max, long suppressed);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "{Session}: protocol error, closing: {Reason}" + LogText.SuppressedSuffix)]
    public static partial void ProtocolError(ILogger logger, IpcSession session, string reason, long suppressed);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Warning, Message = "{Session}: no Hello within {Timeout}, closing" + LogText.SuppressedSuffix)]
    public static partial void HandshakeTimeout(ILogger logger, IpcSession session, TimeSpan timeout, long suppressed);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "{Session}: {Reason}, closing" + LogText.SuppressedSuffix)]
    public static partial void QueueOverflow(ILogger logger, IpcSession session, string reason, long suppressed);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Warning, Message = "{Session}: {Reason}, closing" + LogText.SuppressedSuffix)]
    public static partial void Stalled(ILogger logger, IpcSession session, string reason, long suppressed);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Error, Message = "{Session}: unexpected error in the read loop")]
    public static partial void ReadLoopFailed(ILogger logger, IpcSession session, Exception exception);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Error, Message = "{Session}: unexpected error in the write loop")]
    public static partial void WriteLoopFailed(ILogger logger, IpcSession session, Exception exception);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Error, Message = "{Session}: OnConnected threw")]
    public static partial void OnConnectedThrew(ILogger logger, IpcSession session, Exception exception);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Error, Message = "{Session}: OnDisconnected threw")]
    public static partial void OnDisconnectedThrew(ILogger logger, IpcSession session, Exception exception);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Error, Message = "{Session}: OnRequest({RequestType}) threw")]
    public static partial void OnRequestThrew(ILogger logger, IpcSession session, MessageType requestType, Exception exception);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Error, Message = "{Session}: Drained handler threw")]
    public static partial void DrainedThrew(ILogger logger, IpcSession session, Exception exception);
}
