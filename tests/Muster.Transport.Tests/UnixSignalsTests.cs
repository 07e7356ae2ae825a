using System.Runtime.InteropServices;
using Muster.Daemon.Host;

namespace Muster.Transport.Tests;

// Signals go to the whole test process; each handler is registered before the signal is raised and the test waits
// for the callback before unregistering, so the runtime's default action (terminate) never runs.
[Collection(nameof(UnixSignalsTests))]
public class UnixSignalsTests
{
    private const int SigHup = 1;
    private const int SigTerm = 15;

    [Fact]
    public async Task SigHup_CallsHangup()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux only");
        var hangup = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var signals = new UnixSignals(_ => { }, () => hangup.TrySetResult());

        Assert.Equal(0, Libc.Kill(Environment.ProcessId, SigHup));

        await hangup.Task.WaitAsync(TestSupport.Deadline, TestSupport.Token);
        Assert.False(signals.ShutdownRequested);
    }

    [Fact]
    public async Task SigTerm_RequestsShutdown()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux only");
        var shutdown = new TaskCompletionSource<PosixSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var signals = new UnixSignals(s => shutdown.TrySetResult(s), () => { });

        Assert.Equal(0, Libc.Kill(Environment.ProcessId, SigTerm));

        Assert.Equal(PosixSignal.SIGTERM, await shutdown.Task.WaitAsync(TestSupport.Deadline, TestSupport.Token));
        Assert.True(signals.ShutdownRequested);
    }
}
