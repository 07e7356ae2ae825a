using System.Globalization;
using System.Runtime.InteropServices;

namespace Muster.Ipc;

/// <summary>Resolves user and group names to ids, for the daemon's <c>[ipc] allowed_users/allowed_groups/socket_group</c>.</summary>
public static class UnixAccounts
{
    // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; ... } and
    // struct group  { char *gr_name; char *gr_passwd; gid_t gr_gid; ... }: the id follows two pointers in both.
    private static readonly int s_idOffset = 2 * IntPtr.Size;
    private static readonly Lock s_lookupLock = new();

    /// <summary>The effective user id of this process.</summary>
    public static uint CurrentUserId => Libc.GetEUid();

    /// <summary>The effective group id of this process.</summary>
    public static uint CurrentGroupId => Libc.GetEGid();

    /// <summary>Resolves a user name, or a decimal uid, to a uid.</summary>
    public static bool TryGetUserId(string nameOrId, out uint userId)
    {
        if (uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out userId))
        {
            return true;
        }

        lock (s_lookupLock)
        {
            nint entry = Libc.GetPwNam(nameOrId);
            if (entry == 0)
            {
                return false;
            }

            userId = (uint)Marshal.ReadInt32(entry, s_idOffset);
            return true;
        }
    }

    /// <summary>Resolves a group name, or a decimal gid, to a gid.</summary>
    public static bool TryGetGroupId(string nameOrId, out uint groupId)
    {
        if (uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out groupId))
        {
            return true;
        }

        lock (s_lookupLock)
        {
            nint entry = Libc.GetGrNam(nameOrId);
            if (entry == 0)
            {
                return false;
            }

            groupId = (uint)Marshal.ReadInt32(entry, s_idOffset);
            return true;
        }
    }
}
