using System.Runtime.InteropServices;

namespace Muster.Daemon.Host;

/// <summary>The daemon's POSIX signal handlers: SIGTERM and SIGINT ask for a clean leave, SIGHUP for a reload.</summary>
/// <remarks>
/// <para>
/// SIGTERM (what systemd and <c>kill</c> send) and SIGINT (Ctrl-C) mean "leave the cluster cleanly, then exit": the
/// daemon announces its leave so peers install the new view at once instead of waiting for the failure timeout.
/// The first such signal calls <c>onShutdown</c> and stops the runtime's default handling; a second one is left to
/// the runtime, which terminates the process, so an operator can still stop a daemon whose leave hangs.
/// </para>
/// <para>SIGHUP calls <c>onHangup</c> (by convention: reload the configuration, reopen the log file) and never terminates.</para>
/// <para>
/// Callbacks run on the runtime's signal-handling thread, one at a time: they should only post a request to the
/// daemon's loop and return. Built on <see cref="PosixSignalRegistration"/>, which is trim- and AOT-safe.
/// </para>
/// </remarks>
public sealed class UnixSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Action<PosixSignal> _onShutdown;
    private readonly Action _onHangup;
    private int _shutdownRequested;

    /// <summary>Registers the handlers; they stay active until <see cref="Dispose"/>.</summary>
    /// <param name="onShutdown">Called once, with <see cref="PosixSignal.SIGTERM"/> or <see cref="PosixSignal.SIGINT"/>.</param>
    /// <param name="onHangup">Called for every <see cref="PosixSignal.SIGHUP"/>.</param>
    public UnixSignals(Action<PosixSignal> onShutdown, Action onHangup)
    {
        _onShutdown = onShutdown;
        _onHangup = onHangup;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, Handle),
        ];
    }

    /// <summary>True once SIGTERM or SIGINT has arrived.</summary>
    public bool ShutdownRequested => Volatile.Read(ref _shutdownRequested) != 0;

    /// <summary>Unregisters the handlers; the runtime's default handling applies again.</summary>
    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Handle(PosixSignalContext context)
    {
        if (context.Signal == PosixSignal.SIGHUP)
        {
            context.Cancel = true;
            _onHangup();
            return;
        }

        if (Interlocked.Exchange(ref _shutdownRequested, 1) != 0)
        {
            // Second request: let the runtime terminate the process.
            return;
        }
        context.Cancel = true;
        _onShutdown(context.Signal);
    }
}
