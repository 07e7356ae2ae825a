using System.Runtime.InteropServices;

namespace Muster.Daemon.Host;

// Source-generated P/Invokes into libc (Linux, glibc or musl): scheduling, memory locking, directory fsync and
// re-entrant user/group lookups.
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int EPerm = 1;
    public const int ENoEnt = 2;
    public const int ESrch = 3;
    public const int EIntr = 4;
    public const int EBadF = 9;
    public const int ENoMem = 12;
    public const int EAcces = 13;
    public const int EInval = 22;
    public const int ERange = 34;
    public const int ENoSys = 38;

    public const int SchedOther = 0;
    public const int SchedRr = 2;
    public const int PrioProcess = 0;
    public const int RLimitMemLock = 8;
    public const int ORdOnly = 0;
    // The same value on x86-64, arm64 and the other architectures .NET runs on.
    public const int OCloExec = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    public struct SchedParam
    {
        public int Priority;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // pid 0 is the calling thread: on Linux the policy is a per-thread attribute.
    [LibraryImport(Library, EntryPoint = "sched_setscheduler", SetLastError = true)]
    public static partial int SchedSetScheduler(int pid, int policy, SchedParam* param);

    [LibraryImport(Library, EntryPoint = "sched_getscheduler", SetLastError = true)]
    public static partial int SchedGetScheduler(int pid);

    [LibraryImport(Library, EntryPoint = "sched_get_priority_max", SetLastError = true)]
    public static partial int SchedGetPriorityMax(int policy);

    // musl's sched_setscheduler always fails with ENOSYS (POSIX wants it per process, Linux does it per thread),
    // so the raw system call is the fallback there.
    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    public static partial nint Syscall3(nint number, nint a, nint b, nint c);

    [LibraryImport(Library, EntryPoint = "mlockall", SetLastError = true)]
    public static partial int MLockAll(int flags);

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, RLimit* limit);

    // who is a thread id under Linux's per-thread nice values; 0 is the calling thread.
    [LibraryImport(Library, EntryPoint = "setpriority", SetLastError = true)]
    public static partial int SetPriority(int which, uint who, int priority);

    [LibraryImport(Library, EntryPoint = "getpriority", SetLastError = true)]
    public static partial int GetPriority(int which, uint who);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    // Return an error number (not errno); *result is null when the name is unknown.
    [LibraryImport(Library, EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int GetPwNamR(string name, void* entry, byte* buffer, nuint length, void** result);

    [LibraryImport(Library, EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int GetGrNamR(string name, void* entry, byte* buffer, nuint length, void** result);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    public static string ErrorName(int errno) => errno switch
    {
        EPerm => "EPERM",
        ENoEnt => "ENOENT",
        ESrch => "ESRCH",
        EIntr => "EINTR",
        EBadF => "EBADF",
        ENoMem => "ENOMEM",
        EAcces => "EACCES",
        EInval => "EINVAL",
        ERange => "ERANGE",
        ENoSys => "ENOSYS",
        _ => $"errno {errno}",
    };

    public static string Describe(int errno) => $"{ErrorName(errno)}: {Marshal.GetPInvokeErrorMessage(errno)}";
}
