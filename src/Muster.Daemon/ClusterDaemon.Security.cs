using System.Security.Cryptography;
using Muster.Core;
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
            _logger.Warn(SecurityCategory, "security.crypto = \"none\": cluster traffic is neither authenticated nor encrypted; " +
                "anyone who can reach the cluster port can read it, join the cluster and inject messages");
            return;
        }

        // The random prefix keeps nonces unique even if this node's state file was lost and its incarnation repeats.
        uint prefix = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        _protector = new PacketProtector(_config.ClusterName, _local.NodeId, incarnation, prefix, _keys);
        _sealBuffer = new byte[_config.Limits.MaxDatagramSize + SecureEnvelope.Overhead];
        _logger.Info(SecurityCategory, $"cluster traffic authenticated and encrypted with AES-256-GCM; sealing with {_keys.Current}");
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
                LogDrop(now, datagram.Source, "sealed-while-off",
                    $"dropped an encrypted packet from node {datagram.Source}: that node encrypts, but this node runs with " +
                    "security.crypto = \"none\" (the setting must be the same on every node)");
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

        if (_limiter.TryAcquire($"crypto:{result}:{datagram.Source}", now, out long suppressed))
        {
            // Described only when logged: a stream of dropped packets formats no text.
            string text = DescribeDrop(result, datagram.Source, fingerprint);
            _logger.Warn(SecurityCategory, suppressed > 0 ? $"{text} ({suppressed} similar suppressed)" : text);
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

    private string DescribeDrop(OpenResult result, NodeId source, uint fingerprint) => result switch
    {
        OpenResult.UnknownKey =>
            $"dropped a packet from node {source} sealed with key {ClusterKey.FormatFingerprint(fingerprint)}, which this node " +
            $"does not hold (it holds {string.Join(", ", _keys!.Accepted.Select(k => k.FingerprintText))}): the key files differ; " +
            $"copy the same key file to every node ({_config.Security.KeyFile})",
        OpenResult.NotSealed =>
            $"dropped an unencrypted packet from node {source}: this node requires encryption (security.crypto); the sender " +
            "runs with crypto = \"none\" or is not a Muster node",
        OpenResult.AuthenticationFailed =>
            $"dropped a packet from node {source} that failed authentication (forged, corrupted, or from a cluster with " +
            "another name that shares this key)",
        OpenResult.Replayed => $"dropped a replayed or duplicated packet from node {source}",
        OpenResult.StaleIncarnation => $"dropped a packet from an earlier incarnation of node {source}",
        OpenResult.SenderMismatch => $"dropped a packet from the address of node {source} that claims another sender",
        OpenResult.Truncated => $"dropped a truncated packet from node {source}",
        _ => $"dropped a packet from node {source} with an unknown envelope version or cipher suite (a newer build?)",
    };

    private void LogDrop(Instant now, NodeId source, string kind, string text)
    {
        if (_limiter.TryAcquire($"crypto:{kind}:{source}", now, out long suppressed))
        {
            _logger.Warn(SecurityCategory, suppressed > 0 ? $"{text} ({suppressed} similar suppressed)" : text);
        }
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
                        _logger.Warn(SecurityCategory, warning);
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

        _logger.Info(SecurityCategory, outcome);
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
            _logger.Warn(SecurityCategory, $"key {request.Operation.ToString().ToLowerInvariant()} refused: {ex.Message}");
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
            _logger.Warn(SecurityCategory, $"SIGHUP: {ex.Message}");
        }
    }

    private sealed class KeyStepException(ErrorCode code, string message) : Exception(message)
    {
        public ErrorCode Code { get; } = code;
    }
}
