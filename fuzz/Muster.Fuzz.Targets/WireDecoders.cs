using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Fuzz.Targets;

/// <summary>
/// Runs every decoder of Muster.Wire over the same bytes, and checks each decoded value: encoding it and decoding
/// the result gives a value that encodes to the same bytes again (reserved fields may be normalised once, never more).
/// </summary>
internal static class WireDecoders
{
    private const int MaxFragments = 1024;

    public static void DecodeEverything(ReadOnlySpan<byte> bytes)
    {
        var reader = new WireReader(bytes);
        if (PacketHeader.TryRead(ref reader, out var header, out string? error))
        {
            CheckHeader(header);
            int bodyStart = bytes.Length - reader.Remaining;
            DecodeBody(header.Type, bytes[bodyStart..]);
        }
        else if (string.IsNullOrEmpty(error))
        {
            throw new FuzzCheckException("PacketHeader.TryRead failed without a reason");
        }

        // The same bytes as the body of every packet type: the decoders must not rely on the header having been
        // checked.
        for (var type = PacketType.Heartbeat; type <= PacketType.Service; type++)
        {
            DecodeBody(type, bytes);
        }

        DecodeLinkProbe(bytes);
    }

    // The daemon reads link probes itself (they never reach the engine): a probe must read back as what it encodes to.
    private static void DecodeLinkProbe(ReadOnlySpan<byte> bytes)
    {
        if (!LinkProbe.TryRead(bytes, out var probe, out string? error))
        {
            if (string.IsNullOrEmpty(error))
            {
                throw new FuzzCheckException("LinkProbe.TryRead failed without a reason");
            }

            return;
        }

        byte[] encoded = new byte[LinkProbe.Size];
        probe.Write(encoded);
        if (!LinkProbe.TryRead(encoded, out var again, out _) || again != probe)
        {
            throw new FuzzCheckException($"LinkProbe {probe} does not read back as itself");
        }
    }

    private static void DecodeBody(PacketType type, ReadOnlySpan<byte> body)
    {
        var r = new WireReader(body);
        switch (type)
        {
            case PacketType.Heartbeat:
                bool digestRead = Heartbeat.TryReadNodeListDigest(body, out ulong digest);
                if (Heartbeat.TryRead(ref r, out var heartbeat))
                {
                    Check(heartbeat!.EncodedSize, (ref WireWriter w) => heartbeat.Write(ref w),
                        (ref WireReader x) => Heartbeat.TryRead(ref x, out var h) ? Encode(h!.EncodedSize, (ref WireWriter w) => h.Write(ref w)) : null);
                }

                // The engine refuses on the digest alone before decoding the heartbeat: both readers must agree.
                if (digestRead != (heartbeat is not null) || (heartbeat is not null && heartbeat.NodeListDigest != digest))
                {
                    throw new FuzzCheckException("Heartbeat.TryReadNodeListDigest disagrees with Heartbeat.TryRead");
                }

                break;
            case PacketType.Data:
                if (DataHeader.TryRead(ref r, out var data))
                {
                    Check(DataHeader.Size, (ref WireWriter w) => data.Write(ref w),
                        (ref WireReader x) => DataHeader.TryRead(ref x, out var d) ? Encode(DataHeader.Size, (ref WireWriter w) => d.Write(ref w)) : null);
                    DecodeFragmentsAtEveryVersion(r, data.Count);
                }

                break;
            case PacketType.Ordered:
                if (OrderedHeader.TryRead(ref r, out var ordered))
                {
                    Check(OrderedHeader.Size, (ref WireWriter w) => ordered.Write(ref w),
                        (ref WireReader x) => OrderedHeader.TryRead(ref x, out var o) ? Encode(OrderedHeader.Size, (ref WireWriter w) => o.Write(ref w)) : null);
                    DecodeFragmentsAtEveryVersion(r, ordered.Count);
                }

                break;
            case PacketType.Service:
                if (DirectHeader.TryRead(ref r, out var direct))
                {
                    Check(DirectHeader.Size, (ref WireWriter w) => direct.Write(ref w),
                        (ref WireReader x) => DirectHeader.TryRead(ref x, out var d) ? Encode(DirectHeader.Size, (ref WireWriter w) => d.Write(ref w)) : null);
                }

                break;
            case PacketType.Ack:
                if (Ack.TryRead(ref r, out var ack))
                {
                    Check(Ack.Size, (ref WireWriter w) => ack.Write(ref w),
                        (ref WireReader x) => Ack.TryRead(ref x, out var a) ? Encode(Ack.Size, (ref WireWriter w) => a.Write(ref w)) : null);
                }

                break;
            case PacketType.Nack:
                if (Nack.TryRead(ref r, out var nack))
                {
                    Check(Nack.Size, (ref WireWriter w) => nack.Write(ref w),
                        (ref WireReader x) => Nack.TryRead(ref x, out var n) ? Encode(Nack.Size, (ref WireWriter w) => n.Write(ref w)) : null);
                }

                break;
            case PacketType.Prepare:
                if (Prepare.TryRead(ref r, out var prepare))
                {
                    Check(prepare!.EncodedSize, (ref WireWriter w) => prepare.Write(ref w),
                        (ref WireReader x) => Prepare.TryRead(ref x, out var p) ? Encode(p!.EncodedSize, (ref WireWriter w) => p.Write(ref w)) : null);
                }

                break;
            case PacketType.PrepareOk:
                if (PrepareOk.TryRead(ref r, out var prepareOk))
                {
                    Check(PrepareOk.Size, (ref WireWriter w) => prepareOk.Write(ref w),
                        (ref WireReader x) => PrepareOk.TryRead(ref x, out var p) ? Encode(PrepareOk.Size, (ref WireWriter w) => p.Write(ref w)) : null);
                }

                break;
            case PacketType.Sync:
                if (Sync.TryRead(ref r, out var sync))
                {
                    Check(sync!.EncodedSize, (ref WireWriter w) => sync.Write(ref w),
                        (ref WireReader x) => Sync.TryRead(ref x, out var s) ? Encode(s!.EncodedSize, (ref WireWriter w) => s.Write(ref w)) : null);
                }

                break;
            case PacketType.SyncOk:
                if (SyncOk.TryRead(ref r, out var syncOk))
                {
                    Check(SyncOk.Size, (ref WireWriter w) => syncOk!.Write(ref w),
                        (ref WireReader x) => SyncOk.TryRead(ref x, out var s) ? Encode(SyncOk.Size, (ref WireWriter w) => s!.Write(ref w)) : null);
                }

                break;
            case PacketType.Install:
                if (Install.TryRead(ref r, out var install))
                {
                    Check(install!.EncodedSize, (ref WireWriter w) => install.Write(ref w),
                        (ref WireReader x) => Install.TryRead(ref x, out var i) ? Encode(i!.EncodedSize, (ref WireWriter w) => i.Write(ref w)) : null);
                }

                break;
            case PacketType.Leave:
                if (Leave.TryRead(ref r, out var leave))
                {
                    Check(Leave.Size, (ref WireWriter w) => leave.Write(ref w),
                        (ref WireReader x) => Leave.TryRead(ref x, out var l) ? Encode(Leave.Size, (ref WireWriter w) => l.Write(ref w)) : null);
                }

                break;
            case PacketType.Refuse:
                if (Refuse.TryRead(ref r, out var refuse))
                {
                    Check(refuse!.EncodedSize, (ref WireWriter w) => refuse.Write(ref w),
                        (ref WireReader x) => Refuse.TryRead(ref x, out var f) ? Encode(f!.EncodedSize, (ref WireWriter w) => f.Write(ref w)) : null);
                }

                break;
        }
    }

    // The same bytes are read as each wire version lays fragments out (version 3 adds the service id): a decoder
    // must survive both whatever the header claims.
    private static void DecodeFragmentsAtEveryVersion(WireReader r, ushort count)
    {
        for (byte version = WireProtocol.MinVersion; version <= WireProtocol.MaxVersion; version++)
        {
            var copy = r;
            DecodeFragments(ref copy, count, version);
        }
    }

    private static void DecodeFragments(ref WireReader r, ushort count, byte version)
    {
        for (int i = 0; i < count && i < MaxFragments; i++)
        {
            if (!Fragment.TryRead(ref r, version, out var fragment))
            {
                return;
            }

            if (version < WireProtocol.ServiceVersion && fragment.Service != ServiceId.Groups)
            {
                throw new FuzzCheckException("a version-2 fragment decoded with another service than the group layer's");
            }

            // A copy: the decoded fragment's payload points into the input, which the writer must not capture.
            var copy = new Fragment(fragment.Sequence, fragment.Sender, fragment.MessageNo, fragment.Index, fragment.Count,
                fragment.Service, fragment.Payload.ToArray());
            byte[] encoded = new byte[Fragment.OverheadAt(version) + copy.Payload.Length];
            var w = new WireWriter(encoded);
            copy.Write(ref w, version);
            var again = new WireReader(encoded);
            if (!Fragment.TryRead(ref again, version, out var decoded) || again.Remaining != 0 ||
                decoded.Sequence != fragment.Sequence || decoded.Sender != fragment.Sender ||
                decoded.MessageNo != fragment.MessageNo || decoded.Index != fragment.Index ||
                decoded.Service != fragment.Service ||
                decoded.Count != fragment.Count || !decoded.Payload.SequenceEqual(fragment.Payload))
            {
                throw new FuzzCheckException("a decoded fragment does not survive encode and decode");
            }
        }
    }

    private static void CheckHeader(PacketHeader header)
    {
        byte[] encoded = new byte[WireProtocol.HeaderSize];
        var w = new WireWriter(encoded);
        header.Write(ref w);
        var r = new WireReader(encoded);
        if (!PacketHeader.TryRead(ref r, out var again, out _) || again != header)
        {
            throw new FuzzCheckException($"a decoded header does not survive encode and decode: {header}");
        }
    }

    private delegate void Writer(ref WireWriter writer);

    private delegate byte[]? Redecoder(ref WireReader reader);

    private static byte[] Encode(int size, Writer write)
    {
        byte[] bytes = new byte[size];
        var w = new WireWriter(bytes);
        write(ref w);
        if (w.Position != size)
        {
            throw new FuzzCheckException($"encoded size {w.Position} differs from the announced size {size}");
        }

        return bytes;
    }

    // Encode the decoded value, decode that, encode again: both encodings must be equal.
    private static void Check(int size, Writer write, Redecoder redecode)
    {
        byte[] first = Encode(size, write);
        var r = new WireReader(first);
        byte[]? second = redecode(ref r);
        if (second is null)
        {
            throw new FuzzCheckException("a decoded message does not decode again after encoding");
        }

        if (r.Remaining != 0 || !second.AsSpan().SequenceEqual(first))
        {
            throw new FuzzCheckException("a decoded message encodes differently after a round trip");
        }
    }
}
