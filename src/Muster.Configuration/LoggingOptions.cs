using Muster.Core.Diagnostics;

namespace Muster.Configuration;

/// <summary>Where and how much the daemon logs (the <c>[logging]</c> table).</summary>
public sealed record LoggingOptions
{
    /// <summary>Lowest level written (<c>logging.level</c>: debug, info, warning or error).</summary>
    public LogLevel Level { get; init; } = LogLevel.Info;

    /// <summary>Absolute path of the log file, or null for stderr (<c>logging.file</c>; empty in the file means stderr).</summary>
    public string? File { get; init; }
}
