using Muster.Ipc;
using Muster.Ipc.Contracts;
using Muster.Transport;

namespace Muster.Daemon;

/// <summary>What the event loop can be woken with.</summary>
internal enum InputKind : byte
{
    Packet,
    Connected,
    Request,
    Disconnected,
    Drained,
    Leave,
    /// <summary>SIGHUP: read the key file again (phase 1 of a key rotation).</summary>
    ReloadKeys,
    /// <summary>The result of an effect a service asked for (a fence agent finished).</summary>
    ServiceInput,
}

/// <summary>One input for the event loop.</summary>
internal readonly record struct DaemonInput(
    InputKind Kind, ReceivedDatagram Datagram = default, IpcSession? Session = null, uint RequestId = 0,
    IpcRequest? Request = null, string? Reason = null, Muster.Wire.ServiceId Service = default,
    Muster.Node.Services.ServiceInput? ServiceInput = null);

/// <summary>
/// The single queue every thread posts to and the event loop drains. Packets are bounded (a full queue drops them,
/// as a full socket buffer would); control inputs are bounded by the IPC server's own limits.
/// </summary>
internal sealed class InputQueue
{
    // A plain object: Monitor.Wait/Pulse need the monitor, not System.Threading.Lock.
    private readonly object _sync = new();
    private readonly Queue<DaemonInput> _items = new();
    private readonly int _packetCapacity;
    private int _packets;

    public InputQueue(int packetCapacity) => _packetCapacity = packetCapacity;

    public long DroppedPackets { get; private set; }

    public void EnqueuePacket(ReceivedDatagram datagram)
    {
        lock (_sync)
        {
            if (_packets >= _packetCapacity)
            {
                DroppedPackets++;
                datagram.Return();
                return;
            }

            _packets++;
            _items.Enqueue(new DaemonInput(InputKind.Packet, datagram));
            Monitor.Pulse(_sync);
        }
    }

    public void Enqueue(DaemonInput input)
    {
        lock (_sync)
        {
            _items.Enqueue(input);
            Monitor.Pulse(_sync);
        }
    }

    /// <summary>Moves everything queued into <paramref name="into"/>, waiting up to <paramref name="wait"/> if nothing is.</summary>
    public void Drain(List<DaemonInput> into, TimeSpan wait)
    {
        lock (_sync)
        {
            if (_items.Count == 0 && wait > TimeSpan.Zero)
            {
                Monitor.Wait(_sync, wait);
            }

            while (_items.TryDequeue(out var item))
            {
                if (item.Kind == InputKind.Packet)
                {
                    _packets--;
                }

                into.Add(item);
            }
        }
    }
}
