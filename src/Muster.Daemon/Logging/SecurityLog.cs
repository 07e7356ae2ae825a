using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Diagnostics;

namespace Muster.Daemon.Logging;

// Packet protection and key rotation (category "security", event ids 1200-1299). Peer is the node a dropped packet
// came from (by its address); Suppressed counts the lines the rate limiter held back since the last.
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning,
        Message = "security.crypto = \"none\": cluster traffic is neither authenticated nor encrypted; anyone who can reach the " +
                  "cluster port can read it, join the cluster and inject messages")]
    public static partial void Unencrypted(ILogger logger);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information,
        Message = "cluster traffic authenticated and encrypted with AES-256-GCM; sealing with {Key}")]
    public static partial void Encrypted(ILogger logger, string key);

    // Key is the key's description (fingerprint and file), never the key object: state may be serialised as it is.
    // What KeyFile.Read found questionable (the file's mode, say).
    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void KeyFileWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "{Outcome}")]
    public static partial void KeyStep(ILogger logger, string outcome);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "key {Operation} refused: {Reason}")]
    public static partial void KeyStepRefused(ILogger logger, string operation, string reason);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "SIGHUP: {Reason}")]
    public static partial void ReloadRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning,
        Message = "dropped a packet from node {Peer} sealed with key {Fingerprint}, which this node does not hold (it holds " +
                  "{Accepted}): the key files differ; copy the same key file to every node ({KeyFile})" + LogText.SuppressedSuffix)]
    public static partial void UnknownKey(ILogger logger, NodeId peer, string fingerprint, string accepted, string keyFile, long suppressed);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Warning,
        Message = "dropped an unencrypted packet from node {Peer}: this node requires encryption (security.crypto); the sender " +
                  "runs with crypto = \"none\" or is not a Muster node" + LogText.SuppressedSuffix)]
    public static partial void NotSealed(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Warning,
        Message = "dropped a packet from node {Peer} that failed authentication (forged, corrupted, or from a cluster with " +
                  "another name that shares this key)" + LogText.SuppressedSuffix)]
    public static partial void AuthenticationFailed(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Warning,
        Message = "dropped a replayed or duplicated packet from node {Peer}" + LogText.SuppressedSuffix)]
    public static partial void Replayed(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Warning,
        Message = "dropped a packet from an earlier incarnation of node {Peer}" + LogText.SuppressedSuffix)]
    public static partial void StaleIncarnation(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1215, Level = LogLevel.Warning,
        Message = "dropped a packet from the address of node {Peer} that claims another sender" + LogText.SuppressedSuffix)]
    public static partial void SenderMismatch(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1216, Level = LogLevel.Warning, Message = "dropped a truncated packet from node {Peer}" + LogText.SuppressedSuffix)]
    public static partial void Truncated(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1217, Level = LogLevel.Warning,
        Message = "dropped a packet from node {Peer} with an unknown envelope version or cipher suite (a newer build?)" + LogText.SuppressedSuffix)]
    public static partial void UnknownEnvelope(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1218, Level = LogLevel.Warning,
        Message = "dropped an encrypted packet from node {Peer}: that node encrypts, but this node runs with security.crypto = " +
                  "\"none\" (the setting must be the same on every node)" + LogText.SuppressedSuffix)]
    public static partial void SealedWhileOff(ILogger logger, NodeId peer, long suppressed);

    [LoggerMessage(EventId = 1219, Level = LogLevel.Warning,
        Message = "dropped a malformed link probe from node {Peer} on link {Link}: {Reason}" + LogText.SuppressedSuffix)]
    public static partial void MalformedProbe(ILogger logger, NodeId peer, int link, string? reason, long suppressed);
}
