using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Muster.Daemon.Host;

// The host pieces' log lines (event ids 4000-4099): the stall monitor (category "stall"), systemd notifications
// ("systemd") and the metrics endpoint ("metrics").
internal static partial class HostLog
{
    // The suffix renders "; N more stalls since the last warning" only when Suppressed is above zero (see LogText).
    [LoggerMessage(EventId = 4000, Level = LogLevel.Warning,
        Message = "event loop stalled for {StallMs:0} ms (threshold {ThresholdMs:0} ms){Suppressed:'; '0' more stalls since the last warning';;''}")]
    public static partial void Stalled(ILogger logger, double stallMs, double thresholdMs, long suppressed);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning,
        Message = "{Variable}=\"{SocketPath}\" cannot be used ({Reason}); systemd will not be notified")]
    public static partial void NotifySocketUnusable(ILogger logger, string variable, string socketPath, string reason);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning,
        Message = "could not notify systemd on {SocketPath}: {Error} ({Reason}); further failures are not logged")]
    public static partial void NotifyFailed(ILogger logger, string socketPath, SocketError error, string reason);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "serving Prometheus metrics on http://{Endpoint}/metrics")]
    public static partial void ServingMetrics(ILogger logger, IPEndPoint endpoint);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "accepting a scrape failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Debug, Message = "scrape failed: {Reason}")]
    public static partial void ScrapeFailed(ILogger logger, string reason);
}
