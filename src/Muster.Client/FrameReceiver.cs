using System.Net.Sockets;
using Muster.Ipc.Contracts;

namespace Muster.Client;

// Reads whole frames from the socket into one reusable buffer that grows to the largest frame seen.
internal sealed class FrameReceiver
{
    private const int InitialBufferSize = 16 * 1024;
    private readonly Socket _socket;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;
    private int _count;

    public FrameReceiver(Socket socket, int maxFrameSize)
    {
        _socket = socket;
        MaxFrameSize = maxFrameSize;
    }

    public int MaxFrameSize { get; set; }

    /// <summary>The next frame, or null when the daemon closed the connection at a frame boundary.</summary>
    public async ValueTask<DecodedFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = IpcCodec.TryReadLength(_buffer.AsSpan(_start, _count), MaxFrameSize, out int bodyLength, out string? error);
            if (status == DecodeStatus.InvalidData)
            {
                throw new MusterException(ErrorCode.Library, $"protocol error from musterd: {error}");
            }

            if (status == DecodeStatus.Done)
            {
                int total = IpcProtocol.LengthPrefixSize + bodyLength;
                if (_count >= total)
                {
                    status = IpcCodec.TryDecodeBody(
                        _buffer.AsSpan(_start + IpcProtocol.LengthPrefixSize, bodyLength), out var frame, out error);
                    if (status != DecodeStatus.Done)
                    {
                        throw new MusterException(ErrorCode.Library, $"protocol error from musterd: {error}");
                    }

                    _start += total;
                    _count -= total;
                    return frame;
                }

                if (_buffer.Length < total)
                {
                    byte[] larger = new byte[total];
                    _buffer.AsSpan(_start, _count).CopyTo(larger);
                    _buffer = larger;
                    _start = 0;
                }
            }

            if (_count == 0)
            {
                _start = 0;
            }
            else if (_start + _count == _buffer.Length)
            {
                _buffer.AsSpan(_start, _count).CopyTo(_buffer);
                _start = 0;
            }

            int read = await _socket.ReceiveAsync(_buffer.AsMemory(_start + _count), SocketFlags.None, cancellationToken)
                .ConfigureAwait(false);
            if (read == 0)
            {
                if (_count != 0)
                {
                    throw new MusterNotConnectedException("musterd closed the connection in the middle of a frame");
                }

                return null;
            }

            _count += read;
        }
    }
}
