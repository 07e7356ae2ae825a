using Muster.Ipc.Contracts;

namespace Muster.Fuzz.Targets;

/// <summary>
/// The IPC fuzz target: a peer's bytes through <see cref="IpcCodec"/> as the daemon (requests) and the client library
/// (responses and events) read them. Both use the same decoder, <see cref="IpcCodec.TryDecodeBody"/>.
/// </summary>
/// <remarks>
/// Checks, besides "no exception escapes": a rejection always carries a reason; a decoded frame encodes back to
/// exactly the bytes it was decoded from (the format has no slack: no reserved fields, no alternative encodings).
/// </remarks>
public static class IpcTarget
{
    private const int MaxFrames = 256;

    /// <summary>Runs one input. Throws when a check fails or the codec throws.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        // The bytes as a stream of frames, the way the daemon's and the client's receive loops consume them.
        DecodeStream(input, IpcProtocol.DefaultMaxFrameSize);
        // A small limit, so that length checks against the maximum are exercised too.
        DecodeStream(input, 64);

        // The bytes as one frame body, without its length prefix.
        var status = IpcCodec.TryDecodeBody(input, out var frame, out string? error);
        Check(status, error, nameof(IpcCodec.TryDecodeBody));
        if (status == DecodeStatus.Done)
        {
            CheckRoundTrip(frame, input, prefixed: false);
        }
    }

    private static void DecodeStream(ReadOnlySpan<byte> input, int maxFrameSize)
    {
        for (int frames = 0; frames < MaxFrames; frames++)
        {
            var lengthStatus = IpcCodec.TryReadLength(input, maxFrameSize, out int bodyLength, out string? lengthError);
            Check(lengthStatus, lengthError, nameof(IpcCodec.TryReadLength));
            if (lengthStatus == DecodeStatus.Done && (bodyLength < IpcProtocol.BodyHeaderSize || bodyLength > maxFrameSize))
            {
                throw new FuzzCheckException($"TryReadLength accepted a body of {bodyLength} bytes (maximum {maxFrameSize})");
            }

            var status = IpcCodec.TryDecodeFrame(input, maxFrameSize, out var frame, out int consumed, out string? error);
            Check(status, error, nameof(IpcCodec.TryDecodeFrame));
            if (status != DecodeStatus.Done)
            {
                if (consumed != 0)
                {
                    throw new FuzzCheckException($"TryDecodeFrame returned {status} but consumed {consumed} bytes");
                }

                return;
            }

            if (consumed < IpcProtocol.LengthPrefixSize + IpcProtocol.BodyHeaderSize || consumed > input.Length)
            {
                throw new FuzzCheckException($"TryDecodeFrame consumed {consumed} of {input.Length} bytes");
            }

            CheckRoundTrip(frame, input[..consumed], prefixed: true);
            input = input[consumed..];
        }
    }

    private static void Check(DecodeStatus status, string? error, string what)
    {
        if (status == DecodeStatus.InvalidData && string.IsNullOrEmpty(error))
        {
            throw new FuzzCheckException($"{what} rejected the bytes without a reason");
        }

        if (status != DecodeStatus.InvalidData && error is not null)
        {
            throw new FuzzCheckException($"{what} returned {status} with an error: {error}");
        }
    }

    private static void CheckRoundTrip(DecodedFrame frame, ReadOnlySpan<byte> original, bool prefixed)
    {
        if (frame.Message is null)
        {
            throw new FuzzCheckException("a decoded frame has no message");
        }

        byte[] encoded = IpcCodec.EncodeFrame(frame.RequestId, frame.Message);
        var expected = prefixed ? encoded.AsSpan() : encoded.AsSpan(IpcProtocol.LengthPrefixSize);
        if (!expected.SequenceEqual(original))
        {
            throw new FuzzCheckException($"{frame.Message.Type} does not encode back to the bytes it was decoded from");
        }

        // What the server and the group service do next with a request's fields must not throw either: the
        // request's own check, and the group-name rule.
        if (frame.Message is IpcRequest request)
        {
            _ = request.Validate(out _);
        }

        string? group = frame.Message switch
        {
            GroupJoinRequest join => join.Group,
            GroupLeaveRequest leave => leave.Group,
            GroupSendRequest send => send.Group,
            GetGroupMembersRequest members => members.Group,
            _ => null,
        };
        if (group is not null)
        {
            _ = Muster.Core.GroupName.Check(group, out _);
        }

        _ = frame.Message.Type.GetKind();
    }
}
