using System.Net.Sockets;
using Muster.Ipc.Contracts;

namespace Muster.Ipc.Tests;

// A bare socket speaking frames by hand: for sending what MusterClient never would, and for not reading at all.
internal sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _count;

    private RawClient(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawClient> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.Current.CancellationToken)
                .AsTask().WaitAsync(TestServer.Deadline);
            return new RawClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task SendAsync(byte[] bytes) =>
        await _socket.SendAsync(bytes, SocketFlags.None, TestContext.Current.CancellationToken).AsTask().WaitAsync(TestServer.Deadline);

    public Task SendAsync(uint requestId, IpcMessage message) => SendAsync(IpcCodec.EncodeFrame(requestId, message));

    public async Task<HelloOkResponse> HelloAsync()
    {
        await SendAsync(1, new HelloRequest(IpcProtocol.MinVersion, IpcProtocol.CurrentVersion, "raw"));
        var frame = await ReadFrameAsync();
        Assert.NotNull(frame);
        return Assert.IsType<HelloOkResponse>(frame.Value.Message);
    }

    // The next frame, or null once the server has closed the connection.
    public async Task<DecodedFrame?> ReadFrameAsync()
    {
        while (true)
        {
            var status = IpcCodec.TryDecodeFrame(_buffer.AsSpan(0, _count), int.MaxValue, out var frame, out int consumed, out string? error);
            Assert.NotEqual(DecodeStatus.InvalidData, status);
            if (status == DecodeStatus.Done)
            {
                _buffer.AsSpan(consumed, _count - consumed).CopyTo(_buffer);
                _count -= consumed;
                return frame;
            }

            if (_count == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_buffer.AsMemory(_count), SocketFlags.None, TestContext.Current.CancellationToken)
                    .AsTask().WaitAsync(TestServer.Deadline);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                read = 0;
            }

            if (read == 0)
            {
                Assert.Equal(0, _count);
                return null;
            }

            _count += read;
        }
    }

    public async Task<T> ReadAsync<T>()
        where T : IpcMessage
    {
        var frame = await ReadFrameAsync();
        Assert.NotNull(frame);
        return Assert.IsType<T>(frame.Value.Message);
    }

    // Reads an unsolicited error frame and then the end of the connection.
    public async Task<ErrorResponse> ReadCloseErrorAsync()
    {
        var frame = await ReadFrameAsync();
        Assert.NotNull(frame);
        Assert.Equal(IpcProtocol.UnsolicitedRequestId, frame.Value.RequestId);
        var error = Assert.IsType<ErrorResponse>(frame.Value.Message);
        Assert.Null(await ReadFrameAsync());
        return error;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
