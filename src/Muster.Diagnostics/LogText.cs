using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Muster.Diagnostics;

/// <summary>
/// The human-readable line format of musterd's log, on a terminal and in <c>[logging] file</c>:
/// <c>2026-11-23T20:41:07.123Z INFO  membership: installed view 1.4 ...</c> (UTC time, level, category, message).
/// </summary>
public static class LogText
{
    /// <summary>
    /// Appended to the message template of a rate-limited line: renders <c> (N similar suppressed)</c> when the
    /// <c>Suppressed</c> field is above zero and nothing when it is zero, so the field stays a number.
    /// </summary>
    public const string SuppressedSuffix = "{Suppressed:' ('0' similar suppressed)';;''}";

    /// <summary>The five-character level tag of a line.</summary>
    public static string Tag(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO ",
        LogLevel.Warning => "WARN ",
        LogLevel.Error => "ERROR",
        _ => "CRIT ",
    };

    /// <summary>Writes one line; an exception follows the message after a colon, as <see cref="Exception.ToString"/> gives it.</summary>
    public static void WriteLine(TextWriter writer, DateTime utc, LogLevel level, string category, string message, Exception? exception)
    {
        Span<char> stamp = stackalloc char[32];
        if (utc.TryFormat(stamp, out int length, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))
        {
            writer.Write(stamp[..length]);
        }

        writer.Write(' ');
        writer.Write(Tag(level));
        writer.Write(' ');
        writer.Write(category);
        writer.Write(": ");
        writer.Write(message);
        if (exception is not null)
        {
            writer.Write(message.Length > 0 ? ": " : "");
            writer.Write(exception.ToString());
        }

        writer.WriteLine();
    }
}
