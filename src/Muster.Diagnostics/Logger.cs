using System.Globalization;
using Muster.Core;
using Muster.Core.Diagnostics;

namespace Muster.Diagnostics;

/// <summary>A small line logger for the I/O shells (daemon, IPC, transport). The pure cores never log directly.</summary>
/// <remarks>
/// Lines look like <c>2026-11-23T20:41:07.123Z INFO  membership: view 1.4 installed ...</c> and go to one writer
/// (stderr by default, a file for the demo). Writes are serialised with a lock; the data plane logs only through
/// <see cref="SharedRateLimiter"/> so a flood of bad packets cannot flood the log.
/// </remarks>
public sealed class Logger
{
    private readonly TextWriter _writer;
    private readonly Lock _sync = new();
    private readonly Func<DateTime> _wallClock;

    /// <summary>Creates a logger writing lines at or above <paramref name="minimum"/>.</summary>
    public Logger(TextWriter writer, LogLevel minimum, Func<DateTime>? wallClock = null)
    {
        _writer = writer;
        Minimum = minimum;
        _wallClock = wallClock ?? (() => DateTime.UtcNow);
    }

    /// <summary>Lowest level written.</summary>
    public LogLevel Minimum { get; set; }

    /// <summary>A logger that writes nothing.</summary>
    public static Logger Null { get; } = new(TextWriter.Null, LogLevel.Error + 1);

    /// <summary>True when lines of this level are written.</summary>
    public bool IsEnabled(LogLevel level) => level >= Minimum;

    /// <summary>Writes one line.</summary>
    public void Write(LogLevel level, string category, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        string stamp = _wallClock().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        string tag = level switch
        {
            LogLevel.Debug => "DEBUG",
            LogLevel.Info => "INFO ",
            LogLevel.Warning => "WARN ",
            _ => "ERROR",
        };
        lock (_sync)
        {
            _writer.WriteLine($"{stamp} {tag} {category}: {message}");
            _writer.Flush();
        }
    }

    /// <summary>Writes a debug line.</summary>
    public void Debug(string category, string message) => Write(LogLevel.Debug, category, message);

    /// <summary>Writes an info line.</summary>
    public void Info(string category, string message) => Write(LogLevel.Info, category, message);

    /// <summary>Writes a warning line.</summary>
    public void Warn(string category, string message) => Write(LogLevel.Warning, category, message);

    /// <summary>Writes an error line.</summary>
    public void Error(string category, string message) => Write(LogLevel.Error, category, message);
}
