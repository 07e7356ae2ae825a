using Muster.Ipc.Contracts;

namespace Muster.Ipc;

/// <summary>An event encoded once as a complete frame, to queue for many sessions without encoding it for each.</summary>
public sealed class EncodedEvent
{
    private EncodedEvent(IpcEvent source, byte[] frame)
    {
        Source = source;
        Frame = frame;
    }

    /// <summary>The event.</summary>
    public IpcEvent Source { get; }

    /// <summary>The encoded frame, length prefix included, request id 0.</summary>
    public ReadOnlyMemory<byte> Frame { get; }

    /// <summary>Encodes <paramref name="ipcEvent"/>.</summary>
    public static EncodedEvent Create(IpcEvent ipcEvent) =>
        new(ipcEvent, IpcCodec.EncodeFrame(IpcProtocol.UnsolicitedRequestId, ipcEvent));
}
