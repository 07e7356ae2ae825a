using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Muster.Configuration;
using Muster.Diagnostics;
using Muster.Daemon;
using Muster.Daemon.Logging;
using Muster.Daemon.Host;
using Muster.Security;
using Muster.Transport;
using Muster.Transport.Faults;

// Run socket completions on the epoll thread instead of hopping to the thread pool: on a busy 2-core machine each
// hop costs more than the network round trip (see the peers' limits/DOTNET.md). Safe here because every socket
// continuation in the daemon only decodes and queues; none blocks. Must be set before the first socket exists.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

// musterd [--config PATH] [--node NAME|ID] [--log-level debug|info|warning|error]
// Exit codes: 0 left the cluster cleanly; 1 runtime failure; 2 bad command line (or MUSTER_LOG_FORMAT); 3 invalid
// configuration.
string? configPath = null;
string? nodeArgument = null;
string? logLevel = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config" or "-c" when i + 1 < args.Length:
            configPath = args[++i];
            break;
        case "--node" or "-n" when i + 1 < args.Length:
            nodeArgument = args[++i];
            break;
        case "--log-level" when i + 1 < args.Length:
            logLevel = args[++i];
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: musterd [--config PATH] [--node NAME|ID] [--log-level debug|info|warning|error]");
            Console.WriteLine($"  config: --config, else ${ConfigPaths.EnvironmentVariable}, else {ConfigPaths.DefaultPath}");
            return 0;
        default:
            Console.Error.WriteLine($"musterd: unknown or incomplete argument '{args[i]}' (see --help)");
            return 2;
    }
}

ClusterConfig config;
NodeConfig local;
try
{
    config = ConfigLoader.LoadFile(ConfigPaths.Resolve(configPath));
    local = config.FindLocalNode(nodeArgument, UdpTransport.LocalAddresses());
    // Combinations votequorum refuses are a configuration error, before anything starts (the warnings are logged later).
    QuorumSetup.Resolve(config);
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"musterd: {e.Message}");
    return 3;
}

var level = config.Logging.Level;
if (logLevel is not null && !Enum.TryParse(logLevel, ignoreCase: true, out level))
{
    Console.Error.WriteLine($"musterd: --log-level '{logLevel}' is not one of debug, info, warning, error");
    return 2;
}

// Stderr gets human-readable lines on a terminal and priority-prefixed lines under systemd (docs/operations.md).
ConsoleLogFormat format;
try
{
    format = DaemonLogging.DetectConsoleFormat();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"musterd: {e.Message}");
    return 2;
}

// With [logging] file, every line goes to the file (and only there); a fatal error goes to stderr too.
LogFileProvider? logFile = null;
try
{
    logFile = config.Logging.File is { } file ? new LogFileProvider(file) : null;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
{
    Console.Error.WriteLine($"{ErrorPrefix()}musterd: cannot open the log file {config.Logging.File} (logging.file): {e.Message}");
    return 1;
}

// Disposed last thing (finally): that writes out the lines still queued.
ILoggerFactory loggers = DaemonLogging.Create(level, format, logFile);
ILogger log = loggers.CreateLogger("musterd");

// A fatal error must reach whoever started musterd (a terminal, the service manager's journal) even when the log
// goes to a file: there the line would wait for someone who already knows to look.
void ToStderr(string message)
{
    if (logFile is not null)
    {
        Console.Error.WriteLine($"{ErrorPrefix()}musterd: {message}");
    }
}

void Fatal(string reason)
{
    DaemonLog.Fatal(log, reason);
    ToStderr($"fatal: {reason}");
}

// Journald files a line under the priority its prefix names; without one it would be an info line.
string ErrorPrefix() => format == ConsoleLogFormat.Systemd ? DaemonLogging.SyslogPrefix(LogLevel.Error) : "";

// The writers hold lines on threads of their own: an exception that escapes on another thread ends the process
// without reaching the finally below, so write out what is queued, and the reason, before it goes.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    if (e.ExceptionObject is Exception exception)
    {
        DaemonLog.FatalUnexpected(log, exception);
        ToStderr($"fatal: unexpected error: {exception}");
    }

    loggers.Dispose();
    logFile?.Dispose();
};

try
{
    if (!config.System.SchedRr)
    {
        DaemonLog.NormalScheduling(log);
    }

    if (config.System.LockMemory)
    {
        LogLevel outcome = SystemTuning.TryLockMemory(out string mlock) ? LogLevel.Information : LogLevel.Warning;
        DaemonLog.MemoryLock(log, outcome, mlock);
    }

    KeyRing? keys = null;
    if (config.Security.Encrypt)
    {
        try
        {
            keys = new KeyRing(KeyFile.Read(config.Security.KeyFile, out string? warning));
            if (warning is not null)
            {
                SecurityLog.KeyFileWarning(loggers.CreateLogger("security"), warning);
            }
        }
        catch (KeyFileException e)
        {
            // Nothing has started yet: a node without its key must not run (it could not talk to anyone anyway).
            DaemonLog.KeyFileUnusable(log, e.Message);
            ToStderr($"{e.Message} (security.key_file; or set security.crypto = \"none\" to run unencrypted)");
            return 3;
        }
    }

    var store = new NodeStateStore(config.System.StateDirectory, local.NodeId);
    if (!store.FileFound)
    {
        // Normal at a node's first start; otherwise its state was lost, and the operator should know (docs/protocol.md).
        DaemonLog.NoStateFile(log, store.FilePath);
    }

    // TEST-ONLY transport faults for the test bed: the one place that reads MUSTER_TEST_FAULTS. The UDP transport
    // knows nothing of it; the daemon puts a fault-injecting decorator in front of it.
    TransportFaultOptions? faults;
    try
    {
        faults = TransportFaultOptions.FromEnvironment();
    }
    catch (ArgumentException e)
    {
        Fatal(e.Message);
        return 1;
    }

    // Set when systemd runs us with Type=notify (see contrib/systemd/musterd.service).
    using var notifier = SystemdNotifier.FromEnvironment(loggers);
    // The composition root picks the seams: the real clock, and UDP (behind the fault decorator when asked for).
    TimeProvider time = TimeProvider.System;
    using var daemon = new ClusterDaemon(config, local, loggers, time, DaemonTransports.Udp(config, local, loggers, time, faults),
        store.NextIncarnation, store.LoadViewSequenceMark(), store.StoreViewSequenceMark, keys, notifier);
    using var signals = new UnixSignals(_ => daemon.RequestLeave(), daemon.RequestKeyReload);
    return daemon.Run();
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ConfigException or InvalidOperationException
                              or System.Net.Sockets.SocketException or ExternalException)
{
    Fatal(e.Message);
    return 1;
}
catch (Exception e)
{
    // A bug: the whole exception, stack included, in both places, rather than a crash that only stderr sees.
    DaemonLog.FatalUnexpected(log, e);
    ToStderr($"fatal: unexpected error: {e}");
    return 1;
}
finally
{
    // The console and file writers run on threads of their own: this waits (briefly) for what they still hold.
    loggers.Dispose();
    logFile?.Dispose();
}
