using System.Runtime.InteropServices;
using Muster.Configuration;
using Muster.Core.Diagnostics;
using Muster.Diagnostics;
using Muster.Daemon;
using Muster.Daemon.Host;
using Muster.Security;
using Muster.Transport;
using Muster.Transport.Faults;

// Run socket completions on the epoll thread instead of hopping to the thread pool: on a busy 2-core machine each
// hop costs more than the network round trip (see the peers' limits/DOTNET.md). Safe here because every socket
// continuation in the daemon only decodes and queues; none blocks. Must be set before the first socket exists.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

// musterd [--config PATH] [--node NAME|ID] [--log-level debug|info|warning|error]
// Exit codes: 0 left the cluster cleanly; 1 runtime failure; 2 bad command line; 3 invalid configuration.
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

TextWriter output;
try
{
    output = config.Logging.File is { } file ? new StreamWriter(file, append: true) : Console.Error;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
{
    Console.Error.WriteLine($"musterd: cannot open the log file {config.Logging.File} (logging.file): {e.Message}");
    return 1;
}

var logger = new Logger(output, level);

// A fatal error must reach whoever started musterd (a terminal, the service manager's journal) even when the log
// goes to a file: there the line would wait for someone who already knows to look.
void Fatal(string message)
{
    logger.Error("musterd", message);
    if (!ReferenceEquals(output, Console.Error))
    {
        Console.Error.WriteLine($"musterd: {message}");
    }
}

try
{
    if (!config.System.SchedRr)
    {
        logger.Info("musterd", "sched_rr = false: running with normal scheduling priority");
    }

    if (config.System.LockMemory)
    {
        logger.Write(SystemTuning.TryLockMemory(out string mlock) ? LogLevel.Info : LogLevel.Warning, "musterd", mlock);
    }

    KeyRing? keys = null;
    if (config.Security.Encrypt)
    {
        try
        {
            keys = new KeyRing(KeyFile.Read(config.Security.KeyFile, out string? warning));
            if (warning is not null)
            {
                logger.Warn("security", warning);
            }
        }
        catch (KeyFileException e)
        {
            // Nothing has started yet: a node without its key must not run (it could not talk to anyone anyway).
            Fatal($"{e.Message} (security.key_file; or set security.crypto = \"none\" to run unencrypted)");
            return 3;
        }
    }

    var store = new NodeStateStore(config.System.StateDirectory, local.NodeId);
    if (!store.FileFound)
    {
        // Normal at a node's first start; otherwise its state was lost, and the operator should know (docs/protocol.md).
        logger.Info("musterd", $"no node state file {store.FilePath}: first start, or the state was lost; " +
            "the incarnation and the view-sequence mark start from the clock");
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
        Fatal($"fatal: {e.Message}");
        return 1;
    }

    // Set when systemd runs us with Type=notify (see contrib/systemd/musterd.service).
    using var notifier = SystemdNotifier.FromEnvironment(logger);
    using var daemon = new ClusterDaemon(config, local, logger, store.NextIncarnation, store.LoadViewSequenceMark(),
        store.StoreViewSequenceMark, keys, faults, notifier);
    using var signals = new UnixSignals(_ => daemon.RequestLeave(), daemon.RequestKeyReload);
    return daemon.Run();
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ConfigException or InvalidOperationException
                              or System.Net.Sockets.SocketException or ExternalException)
{
    Fatal($"fatal: {e.Message}");
    return 1;
}
catch (Exception e)
{
    // A bug: the whole exception, stack included, in both places, rather than a crash that only stderr sees.
    Fatal($"fatal: unexpected error: {e}");
    return 1;
}
finally
{
    if (!ReferenceEquals(output, Console.Error))
    {
        output.Dispose();
    }
}
