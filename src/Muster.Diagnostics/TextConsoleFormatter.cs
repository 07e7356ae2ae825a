using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Muster.Diagnostics;

/// <summary>The console formatter for a terminal: the <see cref="LogText"/> line format, no colours, no scopes.</summary>
public sealed class TextConsoleFormatter : ConsoleFormatter
{
    /// <summary>The formatter's name (<see cref="ConsoleLoggerOptions.FormatterName"/>).</summary>
    public const string FormatterName = "muster-text";

    private readonly Func<DateTime> _utcNow;

    /// <summary>Creates the formatter; lines are stamped with the wall clock in UTC.</summary>
    public TextConsoleFormatter() : this(() => DateTime.UtcNow)
    {
    }

    /// <summary>Creates the formatter with a clock of the caller's (tests).</summary>
    public TextConsoleFormatter(Func<DateTime> utcNow) : base(FormatterName) => _utcNow = utcNow;

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception) ?? "";
        if (message.Length == 0 && logEntry.Exception is null)
        {
            return;
        }

        LogText.WriteLine(textWriter, _utcNow(), logEntry.LogLevel, logEntry.Category, message, logEntry.Exception);
    }
}
