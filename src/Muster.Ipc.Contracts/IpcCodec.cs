using System.Buffers.Binary;

namespace Muster.Ipc.Contracts;

/// <summary>How far decoding got (modelled on <see cref="System.Buffers.OperationStatus"/>).</summary>
public enum DecodeStatus
{
    /// <summary>A whole frame was decoded.</summary>
    Done,

    /// <summary>The buffer holds only part of a frame; read more and try again.</summary>
    NeedMoreData,

    /// <summary>The bytes are not a valid frame; the reason says why. The connection cannot be resynchronised.</summary>
    InvalidData,
}

/// <summary>A decoded frame: the request id from its header and its message.</summary>
/// <param name="RequestId">The request id (0 for events).</param>
/// <param name="Message">The message; never null when the decoder returned <see cref="DecodeStatus.Done"/>.</param>
public readonly record struct DecodedFrame(uint RequestId, IpcMessage Message);

/// <summary>Encodes and decodes frames: u32 little-endian body length, then u16 type, u32 request id and the fields.</summary>
/// <remarks>
/// Decoders never throw on bad input: a peer's bytes are untrusted, and the daemon must be able to log the reason and
/// close just that connection. Encoders throw <see cref="ArgumentException"/> for values the format cannot carry
/// (a string over 65535 UTF-8 bytes); that is the local caller's bug, not the peer's.
/// </remarks>
public static class IpcCodec
{
    /// <summary>The encoded size of a frame carrying <paramref name="message"/>, length prefix included.</summary>
    public static int GetFrameSize(IpcMessage message)
    {
        var counter = FrameWriter.Counter();
        message.WriteBody(ref counter);
        return IpcProtocol.LengthPrefixSize + IpcProtocol.BodyHeaderSize + counter.Position;
    }

    /// <summary>Writes a whole frame into <paramref name="destination"/> and returns its size.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small, or a field does not fit the format.</exception>
    public static int WriteFrame(uint requestId, IpcMessage message, Span<byte> destination)
    {
        int size = GetFrameSize(message);
        if (destination.Length < size)
        {
            throw new ArgumentException($"destination has {destination.Length} bytes, the frame needs {size}", nameof(destination));
        }

        var writer = FrameWriter.Over(destination[..size]);
        writer.WriteUInt32((uint)(size - IpcProtocol.LengthPrefixSize));
        writer.WriteUInt16((ushort)message.Type);
        writer.WriteUInt32(requestId);
        message.WriteBody(ref writer);
        return size;
    }

    /// <summary>Encodes a whole frame into a new array.</summary>
    public static byte[] EncodeFrame(uint requestId, IpcMessage message)
    {
        byte[] frame = new byte[GetFrameSize(message)];
        WriteFrame(requestId, message, frame);
        return frame;
    }

    /// <summary>
    /// Reads the length prefix. <see cref="DecodeStatus.InvalidData"/> when the body would exceed
    /// <paramref name="maxFrameSize"/> or cannot hold a header, so the caller never allocates for an oversized frame.
    /// </summary>
    public static DecodeStatus TryReadLength(ReadOnlySpan<byte> buffer, int maxFrameSize, out int bodyLength, out string? error)
    {
        bodyLength = 0;
        error = null;
        if (buffer.Length < IpcProtocol.LengthPrefixSize)
        {
            return DecodeStatus.NeedMoreData;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        if (length > (uint)maxFrameSize)
        {
            error = $"frame of {length} bytes exceeds the maximum of {maxFrameSize}";
            return DecodeStatus.InvalidData;
        }

        if (length < IpcProtocol.BodyHeaderSize)
        {
            error = $"frame of {length} bytes is shorter than the {IpcProtocol.BodyHeaderSize}-byte header";
            return DecodeStatus.InvalidData;
        }

        bodyLength = (int)length;
        return DecodeStatus.Done;
    }

    /// <summary>Decodes the first frame in <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Bytes received so far, starting at a frame boundary.</param>
    /// <param name="maxFrameSize">Largest body accepted.</param>
    /// <param name="frame">The frame, when <see cref="DecodeStatus.Done"/>.</param>
    /// <param name="bytesConsumed">The frame's size, when <see cref="DecodeStatus.Done"/>; otherwise 0.</param>
    /// <param name="error">Why, when <see cref="DecodeStatus.InvalidData"/>.</param>
    public static DecodeStatus TryDecodeFrame(
        ReadOnlySpan<byte> buffer, int maxFrameSize, out DecodedFrame frame, out int bytesConsumed, out string? error)
    {
        frame = default;
        bytesConsumed = 0;
        var status = TryReadLength(buffer, maxFrameSize, out int bodyLength, out error);
        if (status != DecodeStatus.Done)
        {
            return status;
        }

        int total = IpcProtocol.LengthPrefixSize + bodyLength;
        if (buffer.Length < total)
        {
            return DecodeStatus.NeedMoreData;
        }

        status = TryDecodeBody(buffer[IpcProtocol.LengthPrefixSize..total], out frame, out error);
        if (status == DecodeStatus.Done)
        {
            bytesConsumed = total;
        }

        return status;
    }

    /// <summary>Decodes one complete frame body (without its length prefix). Never returns NeedMoreData.</summary>
    public static DecodeStatus TryDecodeBody(ReadOnlySpan<byte> body, out DecodedFrame frame, out string? error)
    {
        frame = default;
        var r = new FrameReader(body);
        var type = (MessageType)r.ReadUInt16("type");
        uint requestId = r.ReadUInt32("requestId");
        if (r.Failed)
        {
            error = r.Error;
            return DecodeStatus.InvalidData;
        }

        IpcMessage? message = type switch
        {
            MessageType.Hello => HelloRequest.Read(ref r),
            MessageType.GetStatus => GetStatusRequest.Instance,
            MessageType.GetMembers => GetMembersRequest.Instance,
            MessageType.TrackMembership => TrackMembershipRequest.Read(ref r),
            MessageType.StopTrackMembership => StopTrackMembershipRequest.Instance,
            MessageType.GroupJoin => GroupJoinRequest.Read(ref r),
            MessageType.GroupLeave => GroupLeaveRequest.Read(ref r),
            MessageType.GroupSend => GroupSendRequest.Read(ref r),
            MessageType.GetGroups => GetGroupsRequest.Instance,
            MessageType.GetGroupMembers => GetGroupMembersRequest.Read(ref r),
            MessageType.LeaveCluster => LeaveClusterRequest.Instance,
            MessageType.GetKeys => GetKeysRequest.Instance,
            MessageType.KeyOperation => KeyOperationRequest.Read(ref r),
            MessageType.GetLinks => GetLinksRequest.Instance,
            MessageType.GetRefusals => GetRefusalsRequest.Instance,
            MessageType.GetQuorum => GetQuorumRequest.Instance,
            MessageType.TrackQuorum => TrackQuorumRequest.Instance,
            MessageType.StopTrackQuorum => StopTrackQuorumRequest.Instance,
            MessageType.SetQuorum => SetQuorumRequest.Read(ref r),
            MessageType.GetFencing => GetFencingRequest.Instance,
            MessageType.Fence => FenceRequest.Read(ref r),
            MessageType.TrackRecovery => TrackRecoveryRequest.Instance,
            MessageType.StopTrackRecovery => StopTrackRecoveryRequest.Instance,
            MessageType.HelloOk => HelloOkResponse.Read(ref r),
            MessageType.Ok => OkResponse.Instance,
            MessageType.Error => ErrorResponse.Read(ref r),
            MessageType.StatusResult => StatusResponse.Read(ref r),
            MessageType.MembersResult => MembersResponse.Read(ref r),
            MessageType.GroupsResult => GroupsResponse.Read(ref r),
            MessageType.GroupMembersResult => GroupMembersResponse.Read(ref r),
            MessageType.KeysResult => KeysResponse.Read(ref r),
            MessageType.LinksResult => LinksResponse.Read(ref r),
            MessageType.RefusalsResult => RefusalsResponse.Read(ref r),
            MessageType.QuorumResult => QuorumResponse.Read(ref r),
            MessageType.QuorumChangeResult => QuorumChangeResponse.Read(ref r),
            MessageType.FencingResult => FencingResponse.Read(ref r),
            MessageType.FenceChangeResult => FenceChangeResponse.Read(ref r),
            MessageType.MembershipChanged => MembershipChangedEvent.Read(ref r),
            MessageType.GroupMessage => GroupMessageEvent.Read(ref r),
            MessageType.GroupMembershipChanged => GroupMembershipChangedEvent.Read(ref r),
            MessageType.GroupMessageOutcomeUnknown => GroupMessageOutcomeUnknownEvent.Read(ref r),
            MessageType.QuorumChanged => QuorumChangedEvent.Read(ref r),
            MessageType.NodeRecoverable => NodeRecoverableEvent.Read(ref r),
            _ => null,
        };

        if (message is null)
        {
            error = $"unknown message type 0x{(ushort)type:x4}";
            return DecodeStatus.InvalidData;
        }

        if (r.Failed)
        {
            error = $"{type}: {r.Error}";
            return DecodeStatus.InvalidData;
        }

        if (r.Remaining != 0)
        {
            error = $"{type}: {r.Remaining} unexpected bytes after the last field";
            return DecodeStatus.InvalidData;
        }

        error = null;
        frame = new DecodedFrame(requestId, message);
        return DecodeStatus.Done;
    }
}
