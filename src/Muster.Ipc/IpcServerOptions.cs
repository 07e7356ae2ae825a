using Muster.Core;
using Muster.Ipc.Contracts;

namespace Muster.Ipc;

/// <summary>Settings of the daemon's IPC socket server. Every limit has a default so memory stays bounded.</summary>
public sealed class IpcServerOptions
{
    /// <summary>Where the socket is created.</summary>
    public string SocketPath { get; init; } = IpcProtocol.DefaultSocketPath;

    /// <summary>The socket file's permission bits, applied after bind and before listen. Default 0660.</summary>
    public UnixFileMode SocketMode { get; init; } =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Group (name or decimal gid) that owns the socket file; null leaves the creating process's group.</summary>
    public string? SocketGroup { get; init; }

    /// <summary>When true (the default), peers running as uid 0 are always allowed.</summary>
    public bool AllowRoot { get; init; } = true;

    /// <summary>User ids allowed to connect, besides root.</summary>
    public IReadOnlyCollection<uint> AllowedUserIds { get; init; } = [];

    /// <summary>Group ids allowed to connect: a peer whose primary or supplementary group is listed is allowed.</summary>
    public IReadOnlyCollection<uint> AllowedGroupIds { get; init; } = [];

    /// <summary>Most connections at once, including those still in the handshake; more are refused with NoResources.</summary>
    public int MaxClients { get; init; } = 256;

    /// <summary>Largest frame body accepted from a client; a larger length prefix closes the connection before any allocation.</summary>
    public int MaxFrameSize { get; init; } = IpcProtocol.DefaultMaxFrameSize;

    /// <summary>Largest group message payload; a larger GroupSend is answered TooBig. Told to clients in HelloOk.</summary>
    public int MaxMessageSize { get; init; } = IpcProtocol.DefaultMaxMessageSize;

    /// <summary>Most events queued for one client; one more closes the client (overflow).</summary>
    public int EventQueueLimit { get; init; } = 4096;

    /// <summary>Most bytes of events queued for one client; more closes the client (overflow).</summary>
    public long EventQueueByteLimit { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Queued events at which <see cref="IpcSession.TryEnqueueEvent(IpcEvent)"/> starts answering
    /// <see cref="EnqueueResult.AboveHighWater"/>, so the daemon can apply flow control, and the stall clock starts.
    /// </summary>
    public int HighWaterMark { get; init; } = 1024;

    /// <summary>How long a client's queue may stay at or above the high-water mark before the client is closed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a new connection may take to send Hello.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Requests of one client that may be in the daemon or waiting to be written back; beyond that the server stops
    /// reading that client's socket until responses have been written.
    /// </summary>
    public int MaxOutstandingRequests { get; init; } = 64;

    /// <summary>How long a connection that is being closed with an error frame may take to accept that frame.</summary>
    public TimeSpan CloseFlushTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Backlog passed to listen().</summary>
    public int ListenBacklog { get; init; } = 64;

    /// <summary>This node's id, reported in HelloOk.</summary>
    public NodeId NodeId { get; init; }

    /// <summary>This node's name, reported in HelloOk.</summary>
    public string NodeName { get; init; } = string.Empty;

    /// <summary>The cluster's name, reported in HelloOk.</summary>
    public string ClusterName { get; init; } = string.Empty;

    /// <summary>Clock for the stall and handshake timers.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(SocketPath))
        {
            throw new ArgumentException("SocketPath is empty", nameof(SocketPath));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxClients);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameSize, IpcProtocol.BodyHeaderSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxMessageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EventQueueLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EventQueueByteLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HighWaterMark);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HighWaterMark, EventQueueLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxOutstandingRequests);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StallTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(CloseFlushTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ListenBacklog);
    }
}
