namespace Muster.Ipc.Contracts;

/// <summary>Constants of the local IPC protocol (see docs/ipc.md).</summary>
public static class IpcProtocol
{
    /// <summary>Lowest protocol version this build speaks.</summary>
    public const ushort MinVersion = 1;

    /// <summary>Highest protocol version this build speaks; the one it prefers.</summary>
    public const ushort CurrentVersion = 1;

    /// <summary>Size of the length prefix in front of every frame body.</summary>
    public const int LengthPrefixSize = 4;

    /// <summary>Size of the body header: u16 message type and u32 request id.</summary>
    public const int BodyHeaderSize = 6;

    /// <summary>Default largest group message payload (1 MiB).</summary>
    public const int DefaultMaxMessageSize = 1024 * 1024;

    /// <summary>Room in a frame for everything except a group message's payload: header, group name, ids.</summary>
    public const int FrameOverhead = 64 * 1024;

    /// <summary>Default largest frame body: the largest message plus room for its header fields.</summary>
    public const int DefaultMaxFrameSize = DefaultMaxMessageSize + FrameOverhead;

    /// <summary>The request id of unsolicited frames (events, and errors sent just before the daemon closes a connection).</summary>
    public const uint UnsolicitedRequestId = 0;

    /// <summary>The default path of the daemon's socket.</summary>
    public const string DefaultSocketPath = "/run/muster/musterd.sock";

    /// <summary>The environment variable that overrides <see cref="DefaultSocketPath"/> for clients.</summary>
    public const string SocketPathEnvironmentVariable = "MUSTER_SOCKET";
}
