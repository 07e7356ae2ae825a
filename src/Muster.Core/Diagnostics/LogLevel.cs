namespace Muster.Core.Diagnostics;

/// <summary>Severity of a log line.</summary>
public enum LogLevel
{
    /// <summary>Fine detail for debugging the protocol.</summary>
    Debug = 0,
    /// <summary>Normal operation worth recording (view changes, joins, leaves).</summary>
    Info = 1,
    /// <summary>Something is wrong but the daemon carries on.</summary>
    Warning = 2,
    /// <summary>An operation failed.</summary>
    Error = 3,
}
