using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Daemon.Logging;
using Muster.Ipc;
using Muster.Ipc.Contracts;
using Muster.Security;
using Muster.Transport;
using Muster.Wire;

namespace Muster.Daemon;

// Packet protection on the loop thread: every packet the engine sends is sealed, every datagram received is opened
// before the engine sees it, and the key rotation steps arrive as client requests or SIGHUP.
internal sealed partial class ClusterDaemon
{
    private const string SecurityCategory = "security";
    private readonly ILogger _securityLog;

    private readonly KeyRing? _keys;
    private PacketProtector? _protector;
    private byte[] _sealBuffer = [];
    private readonly byte[] _openBuffer = new byte[UdpTransport.ReceiveBufferLength];
    private long _sealedWhileOff;
    private byte[]? _sealedFrom;
    private int _sealedFromLength;
    private int _sealedLength;

    /// <summary>Asks the loop to read the key file again (SIGHUP): phase 1 of a key rotation.</summary>
    public void RequestKeyReload() => _queue.Enqueue(new DaemonInput(InputKind.ReloadKeys));

    /// <summary>Bytes the protection adds to each packet, which the engine must leave free below the datagram limit.</summary>
    private static int ProtectionOverhead(bool encrypt) => encrypt ? SecureEnvelope.Overhead : 0;

    private void StartProtection(ulong incarnation)
    {
        if (_keys is null)
        {
            SecurityLog.Unencrypted(_securityLog);
            return;
        }

        // The random prefix keeps nonces unique even if this node's state file was lost and its incarnation repeats.
        uint prefix = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        _protector = new PacketProtector(_config.ClusterName, _local.NodeId, incarnation, prefix, _keys);
        _sealBuffer = new byte[_config.Limits.MaxDatagramSize + SecureEnvelope.Overhead];
        string current = _keys.Current.ToString();
        SecurityLog.Encrypted(_securityLog, current);
    }

    /// <summary>Sends one packet of the engine's over the link the link monitor picks, sealed when encryption is on.</summary>
    /// <remarks>
    /// The sequencer hands the same buffer to the outbox once per member. It is sealed once and the sealed bytes go
    /// to every member: each receiver keeps its own replay window per sender, so sharing a counter across receivers
    /// is safe, and it saves an AES pass per extra member. Call <see cref="EndSealBatch"/> when the outbox is done.
    /// </remarks>
    private void SendPacket(NodeId destination, byte[] buffer, int packetLength)
    {
        int link = SelectLink(destination);
        if (_protector is null)
        {
            _transport.Send(destination, link, buffer.AsSpan(0, packetLength));
            return;
        }

        if (!ReferenceEquals(buffer, _sealedFrom) || packetLength != _sealedFromLength)
        {
            Seal(buffer.AsSpan(0, packetLength));
            _sealedFrom = buffer;
            _sealedFromLength = packetLength;
        }

        _transport.Send(destination, link, _sealBuffer.AsSpan(0, _sealedLength));
    }

    /// <summary>Forgets the last sealed buffer (the engine may reuse its buffers once an outbox is carried out).</summary>
    private void EndSealBatch() => _sealedFrom = null;

    /// <summary>Sends one packet (a link probe) over link <paramref name="link"/>, sealed when encryption is on.</summary>
    private void SendPacket(NodeId destination, int link, ReadOnlySpan<byte> packet)
    {
        if (_protector is null)
        {
            _transport.Send(destination, link, packet);
            return;
        }

        // The seal buffer is overwritten: the next engine packet must be sealed afresh.
        _sealedFrom = null;
        Seal(packet);
        _transport.Send(destination, link, _sealBuffer.AsSpan(0, _sealedLength));
    }

    // Seals into _sealBuffer (grown when needed); the sealed length goes to _sealedLength.
    private void Seal(ReadOnlySpan<byte> packet)
    {
        if (packet.Length + SecureEnvelope.Overhead > _sealBuffer.Length)
        {
            _sealBuffer = new byte[packet.Length + SecureEnvelope.Overhead];
        }

        _sealedLength = _protector!.Seal(packet, _sealBuffer);
    }

    /// <summary>
    /// Hands a received datagram to the engine (or, for a link probe, to the link monitor) if it is authentic;
    /// otherwise drops, counts and logs it.
    /// </summary>
    private void ReceivePacket(ReceivedDatagram datagram, Instant now)
    {
        var bytes = datagram.Span;
        if (_protector is null)
        {
            if (SecureEnvelope.LooksSealed(bytes))
            {
                _sealedWhileOff++;
                NoteSecurityDrop(datagram.Source, RefusalReason.Encrypted, 0, now);
                if (ShouldLogDrop(now, datagram.Source, "sealed-while-off", out long dropped))
                {
                    SecurityLog.SealedWhileOff(_securityLog, datagram.Source, dropped);
                }

                return;
            }

            SecurityAccepted(datagram.Source);
            Dispatch(datagram, bytes, now);
            return;
        }

        var result = _protector.Open(datagram.Source, bytes, _openBuffer, out int length, out uint fingerprint);
        if (result == OpenResult.Ok)
        {
            SecurityAccepted(datagram.Source);
            Dispatch(datagram, _openBuffer.AsSpan(0, length), now);
            return;
        }

        if (RefusalReasonOf(result) is { } reason)
        {
            NoteSecurityDrop(datagram.Source, reason, result == OpenResult.UnknownKey ? fingerprint : 0, now);
        }

        if (_securityLog.IsEnabled(LogLevel.Warning) && _limiter.TryAcquire($"crypto:{result}:{datagram.Source}", now, out long suppressed))
        {
            // Only when logged: a stream of dropped packets formats no text.
            LogDrop(result, datagram.Source, fingerprint, suppressed);
        }
    }

    private void Dispatch(in ReceivedDatagram datagram, ReadOnlySpan<byte> packet, Instant now)
    {
        if (LinkProbe.IsProbe(packet))
        {
            OnProbe(datagram.Source, datagram.Link, packet, now);
            return;
        }

        _node.OnPacket(datagram.Source, packet, now);
    }

    private void LogDrop(OpenResult result, NodeId source, uint fingerprint, long suppressed)
    {
        switch (result)
        {
            case OpenResult.UnknownKey:
                string key = ClusterKey.FormatFingerprint(fingerprint);
                string accepted = string.Join(", ", _keys!.Accepted.Select(k => k.FingerprintText));
                SecurityLog.UnknownKey(_securityLog, source, key, accepted, _config.Security.KeyFile, suppressed);
                break;
            case OpenResult.NotSealed:
                SecurityLog.NotSealed(_securityLog, source, suppressed);
                break;
            case OpenResult.AuthenticationFailed:
                SecurityLog.AuthenticationFailed(_securityLog, source, suppressed);
                break;
            case OpenResult.Replayed:
                SecurityLog.Replayed(_securityLog, source, suppressed);
                break;
            case OpenResult.StaleIncarnation:
                SecurityLog.StaleIncarnation(_securityLog, source, suppressed);
                break;
            case OpenResult.SenderMismatch:
                SecurityLog.SenderMismatch(_securityLog, source, suppressed);
                break;
            case OpenResult.Truncated:
                SecurityLog.Truncated(_securityLog, source, suppressed);
                break;
            default:
                SecurityLog.UnknownEnvelope(_securityLog, source, suppressed);
                break;
        }
    }

    // Rate-limited per kind and source (one line per 5 s), checked before anything is formatted.
    private bool ShouldLogDrop(Instant now, NodeId source, string kind, out long suppressed)
    {
        suppressed = 0;
        return _securityLog.IsEnabled(LogLevel.Warning) && _limiter.TryAcquire($"crypto:{kind}:{source}", now, out suppressed);
    }

    private IEnumerable<KeyValuePair<string, long>> SecurityCounters()
    {
        if (_protector is not null)
        {
            return _protector.Counters.Snapshot();
        }

        return [new("crypto_drop_sealed_while_off", _sealedWhileOff)];
    }

    private KeysResponse BuildKeys(string outcome)
    {
        if (_keys is null)
        {
            return new KeysResponse(false, [], outcome);
        }

        var keys = new List<KeyInfo> { new(_keys.Current.Fingerprint, KeyRole.Current, _keys.Current.Source) };
        if (_keys.Staged is { } staged)
        {
            keys.Add(new KeyInfo(staged.Fingerprint, KeyRole.Staged, staged.Source));
        }

        if (_keys.Previous is { } previous)
        {
            keys.Add(new KeyInfo(previous.Fingerprint, KeyRole.Previous, previous.Source));
        }

        return new KeysResponse(true, keys, outcome);
    }

    /// <summary>One step of a key rotation. Returns what happened, or throws <see cref="KeyStepException"/>.</summary>
    private string RunKeyStep(KeyOperation operation)
    {
        if (_keys is null)
        {
            throw new KeyStepException(ErrorCode.InvalidParameter,
                "encryption is off on this node (security.crypto = \"none\"): there are no keys to rotate");
        }

        string outcome;
        switch (operation)
        {
            case KeyOperation.Load:
                ClusterKey key;
                try
                {
                    key = KeyFile.Read(_config.Security.KeyFile, out string? warning);
                    if (warning is not null)
                    {
                        SecurityLog.KeyFileWarning(_securityLog, warning);
                    }
                }
                catch (KeyFileException ex)
                {
                    throw new KeyStepException(ErrorCode.InvalidParameter, $"{ex.Message}; the keys in use are unchanged");
                }

                outcome = _keys.Load(key) switch
                {
                    KeyLoadResult.Unchanged => $"the key file holds the key in use ({key.FingerprintText}); nothing changed",
                    KeyLoadResult.AlreadyStaged => $"key {key.FingerprintText} is already loaded; next: `muster key activate` on every node",
                    _ => $"loaded key {key.FingerprintText}: accepted from now on, still sealing with {_keys.Current.FingerprintText}; " +
                         "next, once every node has loaded it: `muster key activate` on every node",
                };
                break;
            case KeyOperation.Activate:
                if (!_keys.Activate())
                {
                    throw new KeyStepException(ErrorCode.InvalidParameter,
                        "no new key is loaded: copy the new key file to every node and run `muster key load` (or send SIGHUP) first");
                }

                outcome = $"now sealing with key {_keys.Current.FingerprintText}; {_keys.Previous!.FingerprintText} is still accepted; " +
                          "next, once every node has activated: `muster key retire` on every node";
                break;
            default:
                var old = _keys.Previous;
                if (!_keys.Retire())
                {
                    throw new KeyStepException(ErrorCode.InvalidParameter,
                        "there is no previous key to retire (run `muster key activate` first)");
                }

                outcome = $"retired key {old!.FingerprintText}; only {_keys.Current.FingerprintText} is accepted now";
                break;
        }

        SecurityLog.KeyStep(_securityLog, outcome);
        return outcome;
    }

    private void HandleKeyRequest(IpcSession session, uint id, KeyOperationRequest request)
    {
        try
        {
            session.Reply(id, BuildKeys(RunKeyStep(request.Operation)));
        }
        catch (KeyStepException ex)
        {
            string operation = request.Operation.ToString().ToLowerInvariant();
            SecurityLog.KeyStepRefused(_securityLog, operation, ex.Message);
            session.ReplyError(id, ex.Code, ex.Message);
        }
    }

    private void ReloadKeysOnSignal()
    {
        try
        {
            RunKeyStep(KeyOperation.Load);
        }
        catch (KeyStepException ex)
        {
            SecurityLog.ReloadRefused(_securityLog, ex.Message);
        }
    }

    private sealed class KeyStepException(ErrorCode code, string message) : Exception(message)
    {
        public ErrorCode Code { get; } = code;
    }
}
