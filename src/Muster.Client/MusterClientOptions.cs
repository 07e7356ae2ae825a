using Muster.Ipc.Contracts;

namespace Muster.Client;

/// <summary>How <see cref="MusterClient.ConnectAsync"/> connects.</summary>
public sealed class MusterClientOptions
{
    /// <summary>
    /// The daemon's socket. When null: the <c>MUSTER_SOCKET</c> environment variable, else
    /// <c>/run/muster/musterd.sock</c>.
    /// </summary>
    public string? SocketPath { get; init; }

    /// <summary>The socket musterd listens on unless its configuration says otherwise.</summary>
    public static string DefaultSocketPath => IpcProtocol.DefaultSocketPath;

    /// <summary>The environment variable that names the socket when <see cref="SocketPath"/> is not set (<c>MUSTER_SOCKET</c>).</summary>
    public static string SocketPathEnvironmentVariable => IpcProtocol.SocketPathEnvironmentVariable;

    /// <summary>The name the daemon logs for this client; defaults to the application's name.</summary>
    public string? ClientName { get; init; }

    /// <summary>How long connecting and the handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Events buffered per group and per membership stream. When one is full, the client stops reading from the
    /// daemon until the application reads, so the daemon's flow control applies; nothing is buffered without bound.
    /// </summary>
    public int EventBufferCapacity { get; init; } = 256;

    /// <summary>Largest frame accepted from the daemon (raised to fit the daemon's maximum message size).</summary>
    public int MaxFrameSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// The socket <see cref="MusterClient.ConnectAsync"/> connects to: <see cref="SocketPath"/>, else
    /// <see cref="SocketPathEnvironmentVariable"/>, else <see cref="DefaultSocketPath"/>.
    /// </summary>
    public string ResolveSocketPath()
    {
        if (!string.IsNullOrEmpty(SocketPath))
        {
            return SocketPath;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(IpcProtocol.SocketPathEnvironmentVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? IpcProtocol.DefaultSocketPath : fromEnvironment;
    }
}
