namespace Muster.Configuration;

/// <summary>The local client socket (the <c>[ipc]</c> table).</summary>
/// <remarks>Equality compares the user and group lists element by element.</remarks>
public sealed record IpcOptions
{
    /// <summary>The default <see cref="SocketPath"/>.</summary>
    public const string DefaultSocketPath = "/run/muster/musterd.sock";

    /// <summary>Absolute path of the Unix domain socket clients connect to (<c>ipc.socket</c>).</summary>
    public string SocketPath { get; init; } = DefaultSocketPath;

    /// <summary>Permission bits of the socket file (<c>ipc.socket_mode</c>, written in octal such as "0660"); default 0660.</summary>
    public int SocketMode { get; init; } = 0b110_110_000;

    /// <summary>Group owning the socket (<c>ipc.socket_group</c>), or null to keep the daemon's group.</summary>
    public string? SocketGroup { get; init; }

    /// <summary>User names, or numeric uids written as strings, allowed to connect (<c>ipc.allowed_users</c>); default root.</summary>
    public IReadOnlyList<string> AllowedUsers { get; init; } = ["root"];

    /// <summary>Group names, or numeric gids written as strings, allowed to connect (<c>ipc.allowed_groups</c>); default none.</summary>
    public IReadOnlyList<string> AllowedGroups { get; init; } = [];

    /// <inheritdoc/>
    public bool Equals(IpcOptions? other) =>
        other is not null
        && SocketPath == other.SocketPath
        && SocketMode == other.SocketMode
        && SocketGroup == other.SocketGroup
        && AllowedUsers.SequenceEqual(other.AllowedUsers, StringComparer.Ordinal)
        && AllowedGroups.SequenceEqual(other.AllowedGroups, StringComparer.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SocketPath, SocketMode, SocketGroup, AllowedUsers.Count, AllowedGroups.Count);
}
