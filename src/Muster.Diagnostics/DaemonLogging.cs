using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using CoreLogLevel = Muster.Core.Diagnostics.LogLevel;

namespace Muster.Diagnostics;

/// <summary>How log lines on stderr look.</summary>
public enum ConsoleLogFormat
{
    /// <summary>The human-readable <see cref="LogText"/> lines, for a terminal.</summary>
    Text,

    /// <summary>
    /// One line per entry with a syslog priority prefix (<c>&lt;4&gt;link[1102] link 0 to node 2 is down ...</c>), no
    /// timestamp: journald stamps the line and files it under that priority (Microsoft.Extensions.Logging's systemd
    /// console formatter).
    /// </summary>
    Systemd,
}

/// <summary>
/// Sets up musterd's logging on Microsoft.Extensions.Logging, configured in code (no configuration binding, so it stays
/// Native AOT clean): one minimum level (<c>[logging] level</c>), and either the log file or stderr.
/// </summary>
/// <remarks>
/// Event ids are grouped by area: 1-99 logging itself, 100-199 the pure cores' log events (<see cref="CoreEventLog"/>),
/// 1000-1099 the daemon (<c>musterd</c>), 1100-1199 links, 1200-1299 security, 2000-2099 IPC, 3000-3099 the UDP
/// transport, 4000-4099 the host pieces (stall monitor, systemd notifications, metrics endpoint).
/// </remarks>
public static class DaemonLogging
{
    /// <summary>Environment variable that overrides the detection of <see cref="ConsoleLogFormat"/>: <c>text</c>, <c>systemd</c> or <c>auto</c>.</summary>
    public const string FormatVariable = "MUSTER_LOG_FORMAT";

    /// <summary>Lines the console writer may have queued before new ones are dropped (it never blocks the caller).</summary>
    public const int ConsoleQueueLength = 16_384;

    /// <summary>
    /// Creates the daemon's logger factory. With <paramref name="file"/>, lines go to that file only (the caller owns
    /// and disposes it after the factory); without, to stderr in <paramref name="format"/>. Dispose the factory
    /// before exiting: that writes out the queued lines.
    /// </summary>
    public static ILoggerFactory Create(CoreLogLevel minimum, ConsoleLogFormat format, LogFileProvider? file = null) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(minimum.ToExtensions());
            if (file is not null)
            {
                builder.AddProvider(file);
                return;
            }

            // The console provider formats on the caller's thread and writes on a thread of its own through a
            // bounded queue; DropWrite keeps a slow stderr (a throttled journal) from ever stalling the event loop.
            builder.AddConsole(options =>
            {
                options.FormatterName = format == ConsoleLogFormat.Systemd ? ConsoleFormatterNames.Systemd : TextConsoleFormatter.FormatterName;
                options.LogToStandardErrorThreshold = LogLevel.Trace;
                options.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite;
                options.MaxQueueLength = ConsoleQueueLength;
            });
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, TextConsoleFormatter>());
        });

    /// <summary>
    /// The stderr format for this process: <see cref="ConsoleLogFormat.Systemd"/> when systemd connected stderr to the
    /// journal (<c>JOURNAL_STREAM</c> names it) or started us without that variable (<c>INVOCATION_ID</c>), else
    /// <see cref="ConsoleLogFormat.Text"/>; <see cref="FormatVariable"/> overrides.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="FormatVariable"/> has a value other than text, systemd or auto.</exception>
    public static ConsoleLogFormat DetectConsoleFormat() =>
        DetectConsoleFormat(Environment.GetEnvironmentVariable, StandardErrorTarget());

    /// <summary>The detection of <see cref="DetectConsoleFormat()"/> on a given environment.</summary>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="standardErrorTarget">What file descriptor 2 is (the link text of <c>/proc/self/fd/2</c>, such as
    /// <c>socket:[12345]</c>), or null when unknown.</param>
    public static ConsoleLogFormat DetectConsoleFormat(Func<string, string?> environment, string? standardErrorTarget)
    {
        switch (environment(FormatVariable)?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                break;
            case "text":
                return ConsoleLogFormat.Text;
            case "systemd" or "journal":
                return ConsoleLogFormat.Systemd;
            case var other:
                throw new ArgumentException($"{FormatVariable}=\"{other}\" is not one of text, systemd, auto");
        }

        // JOURNAL_STREAM is "device:inode" of the journal's socket. Children inherit it, so a program started by a
        // service but with stderr on a pipe sees it too: it counts only when fd 2 is that socket (or fd 2 is unknown).
        if (environment("JOURNAL_STREAM") is { Length: > 0 } journal)
        {
            int colon = journal.IndexOf(':', StringComparison.Ordinal);
            string inode = colon >= 0 ? journal[(colon + 1)..] : journal;
            return standardErrorTarget is null || standardErrorTarget == $"socket:[{inode}]"
                ? ConsoleLogFormat.Systemd
                : ConsoleLogFormat.Text;
        }

        return string.IsNullOrEmpty(environment("INVOCATION_ID")) ? ConsoleLogFormat.Text : ConsoleLogFormat.Systemd;
    }

    /// <summary>The syslog priority prefix journald reads from the start of a line, as the systemd formatter writes it.</summary>
    public static string SyslogPrefix(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "<7>",
        LogLevel.Information => "<6>",
        LogLevel.Warning => "<4>",
        LogLevel.Error => "<3>",
        _ => "<2>",
    };

    private static string? StandardErrorTarget()
    {
        try
        {
            return OperatingSystem.IsLinux() ? new FileInfo("/proc/self/fd/2").LinkTarget : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
