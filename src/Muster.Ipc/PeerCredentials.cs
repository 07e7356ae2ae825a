using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Muster.Ipc;

/// <summary>Who is at the other end of a Unix socket, as the kernel recorded it when the peer called connect().</summary>
/// <param name="ProcessId">The peer's process id.</param>
/// <param name="UserId">The peer's effective user id.</param>
/// <param name="GroupId">The peer's effective group id.</param>
/// <param name="SupplementaryGroupIds">The peer's supplementary groups; empty when the kernel cannot report them.</param>
public sealed record PeerCredentials(int ProcessId, uint UserId, uint GroupId, IReadOnlyList<uint> SupplementaryGroupIds)
{
    private const int MaxGroups = 1024;

    /// <summary>Reads SO_PEERCRED (and SO_PEERGROUPS where the kernel has it) from a connected Unix socket.</summary>
    public static unsafe bool TryRead(Socket socket, out PeerCredentials? credentials, out string error)
    {
        credentials = null;
        Libc.UCred cred;
        uint length = (uint)sizeof(Libc.UCred);
        if (Libc.GetSockOpt(socket.SafeHandle, Libc.SolSocket, Libc.SoPeerCred, &cred, ref length) != 0)
        {
            error = $"getsockopt(SO_PEERCRED) failed: {Marshal.GetLastPInvokeErrorMessage()}";
            return false;
        }

        if (length != (uint)sizeof(Libc.UCred))
        {
            error = $"getsockopt(SO_PEERCRED) returned {length} bytes, expected {sizeof(Libc.UCred)}";
            return false;
        }

        credentials = new PeerCredentials(cred.Pid, cred.Uid, cred.Gid, ReadGroups(socket));
        error = string.Empty;
        return true;
    }

    // Best effort: an older kernel (ENOPROTOOPT) or an absurd group count leaves only the primary gid to check.
    private static unsafe uint[] ReadGroups(Socket socket)
    {
        Span<uint> groups = stackalloc uint[64];
        for (int attempt = 0; attempt < 2; attempt++)
        {
            uint length = (uint)(groups.Length * sizeof(uint));
            int rc;
            fixed (uint* p = groups)
            {
                rc = Libc.GetSockOpt(socket.SafeHandle, Libc.SolSocket, Libc.SoPeerGroups, p, ref length);
            }

            if (rc == 0)
            {
                return groups[..(int)(length / sizeof(uint))].ToArray();
            }

            int needed = (int)(length / sizeof(uint));
            if (Marshal.GetLastPInvokeError() != Libc.ERange || needed <= groups.Length || needed > MaxGroups)
            {
                return [];
            }

            groups = new uint[needed];
        }

        return [];
    }
}
