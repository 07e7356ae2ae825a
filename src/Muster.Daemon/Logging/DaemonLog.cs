using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Ipc;
using Muster.Ipc.Contracts;

namespace Muster.Daemon.Logging;

// musterd's own lines (category "musterd", event ids 1000-1099): start-up, scheduling, clients, leaving, fatal errors.
// NodeId is this node; Reason says why, in words.
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "node {NodeName} ({Member}) of cluster '{Cluster}' listening on {Endpoints}; IPC socket {SocketPath}; " +
                  "timing profile {TimingProfile} (failure timeout {FailureTimeoutMs} ms)")]
    public static partial void Listening(ILogger logger, string nodeName, MemberId member, string cluster, string endpoints,
        string socketPath, string timingProfile, double failureTimeoutMs);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "sched_rr = false: running with normal scheduling priority")]
    public static partial void NormalScheduling(ILogger logger);

    // The outcome of mlockall: information when it worked, a warning when it did not.
    [LoggerMessage(EventId = 1002, Message = "{Detail}")]
    public static partial void MemoryLock(ILogger logger, LogLevel level, string detail);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "no node state file {StateFile}: first start, or the state was lost; the incarnation and the view-sequence " +
                  "mark start from the clock")]
    public static partial void NoStateFile(ILogger logger, string stateFile);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "{Thread} thread: {Detail}")]
    public static partial void RealtimePriority(ILogger logger, string thread, string detail);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "{Thread} thread: {Detail}")]
    public static partial void NoRealtimePriority(ILogger logger, string thread, string detail);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "{Detail}")]
    public static partial void Niceness(ILogger logger, string detail);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "leaving the cluster ({Reason})")]
    public static partial void Leaving(ILogger logger, string reason);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Debug, Message = "{Session} disconnected: {Reason}")]
    public static partial void ClientDisconnected(ILogger logger, IpcSession session, string reason);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Debug, Message = "{Session} is behind ({QueuedEvents} events queued): pausing delivery")]
    public static partial void DeliveryPaused(ILogger logger, IpcSession session, int queuedEvents);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Debug, Message = "all clients caught up: resuming delivery")]
    public static partial void DeliveryResumed(ILogger logger);

    // A fatal error; the same text also goes to stderr when the log goes to a file.
    [LoggerMessage(EventId = 1090, Level = LogLevel.Error, Message = "fatal: {Reason}")]
    public static partial void Fatal(ILogger logger, string reason);

    // A bug: the whole exception, stack included.
    [LoggerMessage(EventId = 1091, Level = LogLevel.Error, Message = "fatal: unexpected error")]
    public static partial void FatalUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1092, Level = LogLevel.Error,
        Message = "{Reason} (security.key_file; or set security.crypto = \"none\" to run unencrypted)")]
    public static partial void KeyFileUnusable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error,
        Message = "{Service} asked for an effect musterd does not carry out: {Effect}")]
    public static partial void EffectNotCarriedOut(ILogger logger, string service, string effect);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "quorum configuration: {Warning}")]
    public static partial void QuorumConfigAdjusted(ILogger logger, string warning);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information,
        Message = "{Client} asked to change quorum {Setting} to {Value}: {Accepted} ({Result})")]
    public static partial void QuorumChangeRequested(ILogger logger, IpcSession client, QuorumSetting setting, int value, bool accepted, string result);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Warning,
        Message = "running fence agent {Agent} ({Device}) with action {Action} on node {Target}")]
    public static partial void FenceAgentStarting(ILogger logger, string agent, string device, string action, NodeId target);

    [LoggerMessage(EventId = 1121, Level = LogLevel.Warning,
        Message = "fence agent {Agent} ({Device}) on node {Target}: exit {ExitCode}, timed out {TimedOut}, {DurationMs} ms; output: {Output}")]
    public static partial void FenceAgentFinished(ILogger logger, string agent, string device, NodeId target, int exitCode, bool timedOut, double durationMs, string output);

    [LoggerMessage(EventId = 1122, Level = LogLevel.Warning,
        Message = "node {Node} (incarnation {Incarnation}) is recoverable in view {View}: quorate, and it was {How}")]
    public static partial void NodeRecoverable(ILogger logger, NodeId node, ulong incarnation, string how, string view);

    [LoggerMessage(EventId = 1123, Level = LogLevel.Warning, Message = "{Client} asked to {What} node {Node}: {Accepted} ({Result})")]
    public static partial void FenceRequested(ILogger logger, IpcSession client, NodeId node, string what, bool accepted, string result);
}
