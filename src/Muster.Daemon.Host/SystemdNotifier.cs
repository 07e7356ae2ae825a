using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Muster.Daemon.Host;

/// <summary>
/// The <c>sd_notify</c> protocol, written out (no libsystemd): one datagram per notification to the AF_UNIX socket
/// named by <c>NOTIFY_SOCKET</c>. The daemon sends <c>READY=1</c> with a <c>STATUS=</c> line once it is ready,
/// <c>STATUS=</c> updates as views change, and <c>WATCHDOG=1</c> from its event loop when systemd's
/// <c>WatchdogSec=</c> is set (<c>WATCHDOG_USEC</c>, for this process when <c>WATCHDOG_PID</c> names it).
/// </summary>
/// <remarks>
/// Written by hand because the protocol is one datagram of <c>KEY=value</c> lines, and libsystemd would be a native
/// dependency for that. Failures are logged once and never thrown: a lost notification must not stop the daemon.
/// </remarks>
public sealed class SystemdNotifier : IDisposable
{
    /// <summary>The environment variable systemd sets to the notification socket's path (or <c>@name</c>, abstract).</summary>
    public const string SocketVariable = "NOTIFY_SOCKET";

    private const string Category = "systemd";
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _target;
    private readonly ILogger _logger;
    private bool _failureLogged;

    /// <summary>A notifier for the socket at <paramref name="path"/> (<c>@name</c> for the abstract namespace).</summary>
    /// <param name="path">The socket's path.</param>
    /// <param name="watchdogInterval">systemd's watchdog interval, or null when the watchdog is off.</param>
    /// <param name="loggers">Where a failed notification is reported, once (category <c>systemd</c>).</param>
    public SystemdNotifier(string path, TimeSpan? watchdogInterval, ILoggerFactory loggers)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _logger = loggers.CreateLogger(Category);
        SocketPath = path;
        WatchdogInterval = watchdogInterval;
        // An abstract socket name starts with a NUL byte, which systemd writes as '@'.
        _target = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        // Non-blocking: the event loop sends these, and a slow systemd must cost a lost notification, not a stall.
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
    }

    /// <summary>The socket notifications go to.</summary>
    public string SocketPath { get; }

    /// <summary>How often systemd expects <c>WATCHDOG=1</c>; null when its watchdog is off for this process.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>
    /// The notifier systemd asked for through the environment, or null when <c>NOTIFY_SOCKET</c> is unset (not run by
    /// systemd with <c>Type=notify</c>).
    /// </summary>
    public static SystemdNotifier? FromEnvironment(ILoggerFactory loggers)
    {
        string? path = Environment.GetEnvironmentVariable(SocketVariable);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            return new SystemdNotifier(path, WatchdogFromEnvironment(), loggers);
        }
        catch (ArgumentException e)
        {
            // A path the socket API cannot take (longer than sun_path): run on, without notifications.
            HostLog.NotifySocketUnusable(loggers.CreateLogger(Category), SocketVariable, path, e.Message);
            return null;
        }
    }

    /// <summary>Sends one notification: <c>KEY=value</c> lines. False when it could not be sent.</summary>
    public bool Notify(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _target);
            return true;
        }
        catch (SocketException e)
        {
            if (!_failureLogged)
            {
                _failureLogged = true;
                HostLog.NotifyFailed(_logger, SocketPath, e.SocketErrorCode, e.Message);
            }

            return false;
        }
    }

    /// <summary><c>READY=1</c> with a status line.</summary>
    public bool Ready(string status) => Notify($"READY=1\nSTATUS={OneLine(status)}");

    /// <summary>A status line (shown by <c>systemctl status</c>).</summary>
    public bool Status(string status) => Notify($"STATUS={OneLine(status)}");

    /// <summary><c>WATCHDOG=1</c>: the event loop is alive.</summary>
    public bool Watchdog() => Notify("WATCHDOG=1");

    /// <summary><c>STOPPING=1</c>: the daemon is leaving the cluster and exiting.</summary>
    public bool Stopping() => Notify("STOPPING=1");

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();

    private static string OneLine(string text) => text.Replace('\n', ' ');

    private static TimeSpan? WatchdogFromEnvironment()
    {
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            // The watchdog is meant for another process (a wrapper that exec'd us would have had its pid here).
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture,
            out long usec) && usec > 0 ? TimeSpan.FromMicroseconds(usec) : null;
    }
}
