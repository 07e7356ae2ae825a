using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Muster.Ipc;

// Source-generated P/Invokes into libc (Linux, glibc or musl). Only what the socket server needs: peer credentials,
// chown of the socket file, and user/group lookups for the daemon's configuration.
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int SolSocket = 1;
    public const int SoPeerCred = 17;
    // Linux 4.13+: the peer's supplementary groups as captured at connect() time.
    public const int SoPeerGroups = 59;
    public const int ERange = 34;

    [StructLayout(LayoutKind.Sequential)]
    public struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(SafeSocketHandle socket, int level, int optionName, void* optionValue, ref uint optionLength);

    [LibraryImport(Library, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Chown(string path, uint owner, uint group);

    // getpwnam/getgrnam return pointers into static storage; callers hold s_lookupLock while reading them.
    [LibraryImport(Library, EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetPwNam(string name);

    [LibraryImport(Library, EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetGrNam(string name);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint GetEUid();

    [LibraryImport(Library, EntryPoint = "getegid")]
    public static partial uint GetEGid();
}
