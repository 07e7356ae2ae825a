using Microsoft.Extensions.Logging;
using Muster.Core;
using CoreLogLevel = Muster.Core.Diagnostics.LogLevel;

namespace Muster.Diagnostics;

/// <summary>
/// The pure cores' log events (a membership event of kind Log: a level and a text) as log entries. The cores do not
/// reference Microsoft.Extensions.Logging; the daemon hands each event here with its node id and current view.
/// </summary>
public static partial class CoreEventLog
{
    /// <summary>Logs one core event: the line is the core's text; <c>NodeId</c> and <c>ViewId</c> are fields of the entry.</summary>
    public static void Write(ILogger logger, CoreLogLevel level, string text, NodeId nodeId, ViewId viewId)
    {
        LogLevel mapped = level.ToExtensions();
        CoreEvent(logger, mapped, text, nodeId, viewId);
    }

    // NodeId and ViewId are in the entry's state, not in the line: the core's text is the line (and names the nodes it
    // is about). The parameter names are the field names.
#pragma warning disable SYSLIB1015 // argument not referenced from the message: on purpose, see above
    [LoggerMessage(EventId = 100, Message = "{Text}")]
    private static partial void CoreEvent(ILogger logger, LogLevel level, string text, NodeId NodeId, ViewId ViewId);
#pragma warning restore SYSLIB1015
}
