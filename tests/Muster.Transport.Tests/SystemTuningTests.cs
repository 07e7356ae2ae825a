using System.Runtime.InteropServices;
using Muster.Daemon.Host;

namespace Muster.Transport.Tests;

// The process-wide calls would change the scheduling of the whole test host (and, run as root, succeed), so these
// tests exercise the per-thread primitives on a throwaway thread and the failure messages as pure functions.
public class SystemTuningTests
{
    [Fact]
    public void SetNice_OnThrowawayThread_Applies()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux only");

        (int errno, int nice) = OnThread(() =>
        {
            int e = SystemTuning.SetNice(0, 5);
            Marshal.SetLastPInvokeError(0);
            return (e, Libc.GetPriority(Libc.PrioProcess, 0));
        });

        Assert.Equal(0, errno);
        Assert.Equal(5, nice);
    }

    [Fact]
    public void SetRealtime_OnThrowawayThread_AppliesOrReportsPermission()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux only");

        (int errno, int policy) = OnThread(() =>
        {
            int e = SystemTuning.SetRealtime(0, 1);
            return (e, Libc.SchedGetScheduler(0));
        });

        if (errno == 0)
        {
            Assert.Equal(Libc.SchedRr, policy);
        }
        else
        {
            Assert.Equal(Libc.EPerm, errno);
            Assert.Equal("SCHED_RR not permitted (EPERM); running with normal priority", SystemTuning.RealtimeFailure(errno));
        }
    }

    [Fact]
    public void TrySetNice_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SystemTuning.TrySetNice(-21, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => SystemTuning.TrySetNice(20, out _));
    }

    [Fact]
    public void FailureDetails_NameTheCauseAndTheConsequence()
    {
        Assert.Equal("SCHED_RR not permitted (EPERM); running with normal priority", SystemTuning.RealtimeFailure(Libc.EPerm));
        Assert.Contains("ENOSYS", SystemTuning.RealtimeFailure(Libc.ENoSys), StringComparison.Ordinal);
        Assert.Contains("EINVAL", SystemTuning.RealtimeFailure(Libc.EInval), StringComparison.Ordinal);
        Assert.StartsWith(
            "raising the priority is not permitted (EACCES)", SystemTuning.NiceFailure(Libc.EAcces), StringComparison.Ordinal);

        string memlock = SystemTuning.LockMemoryFailure(Libc.ENoMem, 8 * 1024 * 1024);
        Assert.Contains("RLIMIT_MEMLOCK (8192 KiB)", memlock, StringComparison.Ordinal);
        Assert.Contains("LimitMEMLOCK=infinity", memlock, StringComparison.Ordinal);
        Assert.Contains("(unlimited)", SystemTuning.LockMemoryFailure(Libc.ENoMem, ulong.MaxValue), StringComparison.Ordinal);
        Assert.Equal("mlockall not permitted (EPERM); memory may be paged out", SystemTuning.LockMemoryFailure(Libc.EPerm, null));
    }

    private static T OnThread<T>(Func<T> action)
    {
        T result = default!;
        var thread = new Thread(() => result = action()) { IsBackground = true, Name = "tuning-test" };
        thread.Start();
        Assert.True(thread.Join(TestSupport.Deadline));
        return result;
    }
}
