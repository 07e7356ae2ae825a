using System.Globalization;

namespace Muster.Daemon.Host;

/// <summary>
/// Resolves user and group names (or decimal ids) to uids and gids through the C library (<c>getpwnam_r</c>, <c>getgrnam_r</c>).
/// </summary>
/// <remarks>
/// Going through the C library, rather than reading <c>/etc/passwd</c> and <c>/etc/group</c>, also finds accounts
/// that come from NSS (LDAP, SSSD, systemd-userdb). Decimal strings are taken as ids without a lookup, like
/// <c>chown</c> does. Thread-safe.
/// </remarks>
public static class UserDirectory
{
    // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; ... } and
    // struct group  { char *gr_name; char *gr_passwd; gid_t gr_gid; ... }: the id follows two pointers in both.
    private static readonly int s_idOffset = 2 * IntPtr.Size;
    // Larger than either struct on every ABI (48 and 32 bytes on 64-bit Linux).
    private const int EntrySize = 128;
    private const int MaxBuffer = 1 << 20;

    /// <summary>The uid of a user name or decimal uid.</summary>
    /// <exception cref="ArgumentException">The string is empty.</exception>
    /// <exception cref="KeyNotFoundException">No such user; the message names it.</exception>
    /// <exception cref="IOException">The user database could not be read.</exception>
    public static uint ResolveUser(string nameOrId) =>
        TryResolveUser(nameOrId, out uint id)
            ? id
            : throw new KeyNotFoundException($"unknown user \"{nameOrId}\" (not in the user database)");

    /// <summary>The gid of a group name or decimal gid.</summary>
    /// <exception cref="ArgumentException">The string is empty.</exception>
    /// <exception cref="KeyNotFoundException">No such group; the message names it.</exception>
    /// <exception cref="IOException">The group database could not be read.</exception>
    public static uint ResolveGroup(string nameOrId) =>
        TryResolveGroup(nameOrId, out uint id)
            ? id
            : throw new KeyNotFoundException($"unknown group \"{nameOrId}\" (not in the group database)");

    /// <summary>Resolves a user name or decimal uid; false when no such user exists.</summary>
    /// <exception cref="ArgumentException">The string is empty.</exception>
    /// <exception cref="IOException">The user database could not be read.</exception>
    public static bool TryResolveUser(string nameOrId, out uint userId) => TryResolve(nameOrId, user: true, out userId);

    /// <summary>Resolves a group name or decimal gid; false when no such group exists.</summary>
    /// <exception cref="ArgumentException">The string is empty.</exception>
    /// <exception cref="IOException">The group database could not be read.</exception>
    public static bool TryResolveGroup(string nameOrId, out uint groupId) => TryResolve(nameOrId, user: false, out groupId);

    private static unsafe bool TryResolve(string nameOrId, bool user, out uint id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrId);
        if (uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out id))
        {
            return true;
        }
        if (nameOrId.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("user and group names can only be resolved on Unix; use numeric ids");
        }

        byte* entry = stackalloc byte[EntrySize];
        for (int length = 1024; ; length *= 2)
        {
            byte[] buffer = new byte[length];
            void* result = null;
            int error;
            fixed (byte* data = buffer)
            {
                error = user
                    ? Libc.GetPwNamR(nameOrId, entry, data, (nuint)length, &result)
                    : Libc.GetGrNamR(nameOrId, entry, data, (nuint)length, &result);
            }

            if (error == Libc.ERange && length < MaxBuffer)
            {
                continue;
            }
            if (result is not null)
            {
                id = *(uint*)((byte*)result + s_idOffset);
                return true;
            }
            // POSIX lets some C libraries report "no such entry" as one of these instead of 0.
            if (error is 0 or Libc.ENoEnt or Libc.ESrch or Libc.EBadF or Libc.EPerm)
            {
                id = 0;
                return false;
            }
            throw new IOException($"cannot look up {(user ? "user" : "group")} \"{nameOrId}\": {Libc.Describe(error)}");
        }
    }
}
