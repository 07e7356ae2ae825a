using System.Globalization;
using System.Runtime.InteropServices;

namespace Muster.Daemon.Host;

/// <summary>Best-effort scheduling and memory settings that keep the daemon's timers on time under load, as Corosync does.</summary>
/// <remarks>
/// <para>
/// Every method returns false with a one-line <c>detail</c> for the log instead of throwing when the setting is not
/// permitted or not supported (anything but Linux); the daemon runs either way, only with a greater risk of
/// missed heartbeats on a busy machine.
/// </para>
/// <para>
/// On Linux the scheduling policy and the nice value belong to each thread, not the process. The methods therefore
/// apply to every thread that exists when they are called (listed in <c>/proc/self/task</c>); threads created later
/// inherit the setting from the thread that creates them. Call them early, from the main thread, before the
/// daemon's own threads start.
/// </para>
/// </remarks>
public static class SystemTuning
{
    private const string TaskDirectory = "/proc/self/task";

    // sched(7): threads and processes created by a thread with this flag do not inherit its real-time policy.
    private const int SchedResetOnFork = 0x4000_0000;

    /// <summary>
    /// Switches every thread of the process to <c>SCHED_RR</c> at the highest priority
    /// (<c>sched_get_priority_max(SCHED_RR)</c>, 99 on Linux), like Corosync.
    /// </summary>
    /// <remarks>Needs root or CAP_SYS_NICE (or an RLIMIT_RTPRIO allowance). Without it, see <see cref="TrySetNice"/>.</remarks>
    public static bool TryEnableRealtime(out string detail)
    {
        if (!OperatingSystem.IsLinux())
        {
            detail = "SCHED_RR not supported on this operating system; running with normal priority";
            return false;
        }

        int priority = Libc.SchedGetPriorityMax(Libc.SchedRr);
        if (priority < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            detail = $"sched_get_priority_max(SCHED_RR) failed ({Libc.Describe(errno)}); running with normal priority";
            return false;
        }

        return ForEachThread(tid => SetRealtime(tid, priority), $"SCHED_RR priority {priority}", RealtimeFailure, out detail);
    }

    /// <summary>Locks the process's current memory into RAM (<c>mlockall(MCL_CURRENT)</c>) so paging cannot stall the daemon.</summary>
    /// <remarks>
    /// <para>
    /// <c>MCL_FUTURE</c> is deliberately not used: with it every later mapping (GC heap growth, thread stacks) must be
    /// locked too, and once RLIMIT_MEMLOCK is reached those mappings fail, which the .NET runtime reports as an
    /// out-of-memory crash instead of a refused setting. With <c>MCL_CURRENT</c> Linux still marks the existing
    /// mappings locked, including the GC's reserved address range, so heap pages committed there later are locked
    /// as they become writable.
    /// </para>
    /// <para>
    /// Needs CAP_IPC_LOCK or an RLIMIT_MEMLOCK larger than the process's whole address space, which for .NET
    /// includes the GC's large reservation: in practice run as root or with <c>LimitMEMLOCK=infinity</c>.
    /// </para>
    /// </remarks>
    public static bool TryLockMemory(out string detail)
    {
        if (!OperatingSystem.IsLinux())
        {
            detail = "mlockall not supported on this operating system; memory may be paged out";
            return false;
        }

        if (Libc.MLockAll(McLCurrent) == 0)
        {
            detail = "memory locked (mlockall MCL_CURRENT)";
            return true;
        }

        detail = LockMemoryFailure(Marshal.GetLastPInvokeError(), MemLockLimit());
        return false;
    }

    /// <summary>
    /// Sets the nice value (-20 .. 19; lower runs sooner) of every thread; the fallback when <c>SCHED_RR</c> is not permitted.
    /// </summary>
    /// <remarks>Raising the priority (a negative change) needs root or CAP_SYS_NICE (or an RLIMIT_NICE allowance).</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nice"/> is outside -20 .. 19.</exception>
    public static bool TrySetNice(int nice, out string detail)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nice, -20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        if (!OperatingSystem.IsLinux())
        {
            detail = "setting the nice value is not supported on this operating system";
            return false;
        }

        return ForEachThread(tid => SetNice(tid, nice), $"nice {nice.ToString(CultureInfo.InvariantCulture)}", NiceFailure, out detail);
    }

    // MCL_CURRENT is 1 on Linux except on PowerPC and SPARC, where it is 0x2000 (.NET runs on ppc64le).
    private static int McLCurrent => RuntimeInformation.ProcessArchitecture == Architecture.Ppc64le ? 0x2000 : 1;

    // Applies a per-thread setting to every listed thread. A thread that ended meanwhile (ESRCH) is skipped; the
    // first other failure stops and is reported, so a refused setting is not half applied silently.
    private static bool ForEachThread(Func<int, int> apply, string success, Func<int, string> failure, out string detail)
    {
        int applied = 0;
        foreach (int tid in ThreadIds())
        {
            int errno = apply(tid);
            if (errno == 0)
            {
                applied++;
            }
            else if (errno != Libc.ESrch)
            {
                detail = applied == 0 ? failure(errno) : $"{failure(errno)} (after {applied} threads were changed)";
                return false;
            }
        }

        if (applied == 0)
        {
            // /proc unavailable: at least the calling thread, from which the daemon's threads are created.
            int errno = apply(0);
            detail = errno == 0 ? $"{success} set on the calling thread ({TaskDirectory} unavailable)" : failure(errno);
            return errno == 0;
        }

        detail = $"{success} set on {applied} threads";
        return true;
    }

    private static List<int> ThreadIds()
    {
        var ids = new List<int>();
        try
        {
            foreach (string path in Directory.EnumerateDirectories(TaskDirectory))
            {
                if (int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
                {
                    ids.Add(tid);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return ids;
    }

    // Returns 0 or the errno; tid 0 is the calling thread.
    /// <summary>
    /// Switches only the calling thread to <c>SCHED_RR</c> at the highest priority, with
    /// <c>SCHED_RESET_ON_FORK</c> so that threads it creates later (for example .NET thread-pool workers, which
    /// spin while idle) start with normal priority. Use this for the daemon's event loop and receive threads:
    /// a whole process at real-time priority lets spinning pool threads starve everything else on the machine.
    /// </summary>
    public static bool TryEnableRealtimeForCurrentThread(out string detail)
    {
        if (!OperatingSystem.IsLinux())
        {
            detail = "SCHED_RR not supported on this operating system; running with normal priority";
            return false;
        }

        int priority = Libc.SchedGetPriorityMax(Libc.SchedRr);
        if (priority < 0)
        {
            detail = $"sched_get_priority_max(SCHED_RR) failed; running with normal priority";
            return false;
        }

        int errno = SetRealtime(0, priority, resetOnFork: true);
        detail = errno == 0
            ? $"thread {Environment.CurrentManagedThreadId} ({Thread.CurrentThread.Name}) runs SCHED_RR priority {priority}"
            : RealtimeFailure(errno);
        return errno == 0;
    }

    internal static unsafe int SetRealtime(int tid, int priority, bool resetOnFork = false)
    {
        var param = new Libc.SchedParam { Priority = priority };
        int policy = resetOnFork ? Libc.SchedRr | SchedResetOnFork : Libc.SchedRr;
        if (Libc.SchedSetScheduler(tid, policy, &param) == 0)
        {
            return 0;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == Libc.ENoSys && SchedSetSchedulerNumber() is nint number)
        {
            if (Libc.Syscall3(number, tid, policy, (nint)(&param)) == 0)
            {
                return 0;
            }
            errno = Marshal.GetLastPInvokeError();
        }
        return errno;
    }

    internal static int SetNice(int tid, int nice) =>
        Libc.SetPriority(Libc.PrioProcess, (uint)tid, nice) == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static nint? SchedSetSchedulerNumber() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 144,
        Architecture.Arm64 => 119,
        _ => null,
    };

    internal static string RealtimeFailure(int errno) => errno switch
    {
        Libc.EPerm => "SCHED_RR not permitted (EPERM); running with normal priority",
        Libc.ENoSys => "SCHED_RR not available from this C library (ENOSYS); running with normal priority",
        _ => $"SCHED_RR failed ({Libc.Describe(errno)}); running with normal priority",
    };

    internal static string NiceFailure(int errno) => errno switch
    {
        Libc.EPerm or Libc.EAcces =>
            $"raising the priority is not permitted ({Libc.ErrorName(errno)}); running with the default nice value",
        _ => $"setpriority failed ({Libc.Describe(errno)}); running with the default nice value",
    };

    internal static string LockMemoryFailure(int errno, ulong? limit) => errno switch
    {
        Libc.EPerm => "mlockall not permitted (EPERM); memory may be paged out",
        Libc.ENoMem => "mlockall refused (ENOMEM): RLIMIT_MEMLOCK "
            + (limit is ulong l ? $"({(l == ulong.MaxValue ? "unlimited" : $"{l / 1024} KiB")}) " : "")
            + "is smaller than the process's address space, which includes the .NET GC's reservation; "
            + "grant CAP_IPC_LOCK or set LimitMEMLOCK=infinity; memory may be paged out",
        _ => $"mlockall failed ({Libc.Describe(errno)}); memory may be paged out",
    };

    private static unsafe ulong? MemLockLimit()
    {
        Libc.RLimit limit;
        return Libc.GetRLimit(Libc.RLimitMemLock, &limit) == 0 ? limit.Current : null;
    }
}
