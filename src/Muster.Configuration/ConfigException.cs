using System.Globalization;

namespace Muster.Configuration;

/// <summary>The configuration could not be read or is invalid.</summary>
/// <remarks>
/// The <see cref="Exception.Message"/> is meant to be shown to the operator as is, for example
/// <c>muster.toml:12: timing.failure_timeout: "abc" is not a duration (expected e.g. "600ms" or "2s")</c>:
/// the file, the line (left out when <see cref="Line"/> is 0), the key (left out when <see cref="Key"/> is null)
/// and what is wrong and what is expected.
/// </remarks>
public sealed class ConfigException : Exception
{
    /// <summary>Creates an exception for a problem at <paramref name="line"/> of <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The file (or other source) the configuration came from.</param>
    /// <param name="line">1-based line number, or 0 when the problem has no single line.</param>
    /// <param name="key">Dotted path of the key involved, such as <c>node[2].addresses</c>, or null.</param>
    /// <param name="detail">What is wrong and what is expected.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ConfigException(string sourceName, int line, string? key, string detail, Exception? innerException = null)
        : base(Format(sourceName, line, key, detail), innerException)
    {
        SourceName = sourceName;
        Line = line;
        Key = key;
        Detail = detail;
    }

    /// <summary>Creates an exception with only a message (no file, line or key).</summary>
    public ConfigException()
        : this("configuration", 0, null, "invalid configuration")
    {
    }

    /// <summary>Creates an exception with only a message (no file, line or key).</summary>
    public ConfigException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates an exception with only a message (no file, line or key) and an inner exception.</summary>
    public ConfigException(string message, Exception? innerException)
        : base(message, innerException)
    {
        SourceName = "configuration";
        Detail = message;
    }

    /// <summary>The file (or other source name) the configuration came from.</summary>
    public string SourceName { get; }

    /// <summary>1-based line of the offending key or table, or 0 when not applicable.</summary>
    public int Line { get; }

    /// <summary>Dotted path of the key involved (for example <c>timing.failure_timeout</c> or <c>node[2].addresses</c>), or null.</summary>
    public string? Key { get; }

    /// <summary>The message without the file, line and key prefix.</summary>
    public string Detail { get; }

    private static string Format(string sourceName, int line, string? key, string detail)
    {
        string where = line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{sourceName}:{line}") : sourceName;
        return key is null ? $"{where}: {detail}" : $"{where}: {key}: {detail}";
    }
}
