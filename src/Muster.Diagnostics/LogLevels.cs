using CoreLogLevel = Muster.Core.Diagnostics.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Muster.Diagnostics;

/// <summary>Maps the cores' log levels (<see cref="CoreLogLevel"/>, used in configuration and core log events) to Microsoft.Extensions.Logging's.</summary>
public static class LogLevels
{
    /// <summary>The Microsoft.Extensions.Logging level of a core level.</summary>
    public static LogLevel ToExtensions(this CoreLogLevel level) => level switch
    {
        CoreLogLevel.Debug => LogLevel.Debug,
        CoreLogLevel.Info => LogLevel.Information,
        CoreLogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Error,
    };
}
