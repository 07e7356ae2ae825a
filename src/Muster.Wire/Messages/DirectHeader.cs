using Muster.Core;

namespace Muster.Wire.Messages;

/// <summary>
/// Start of a <see cref="PacketType.Service"/> packet (wire version 3): the view both ends are members of and the
/// service the message belongs to; the service's payload is the rest of the datagram.
/// </summary>
public readonly record struct DirectHeader(ViewId View, ServiceId Service)
{
    /// <summary>Bytes on the wire: view id (12), service id u8.</summary>
    public const int Size = 13;

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(View);
        writer.WriteByte(Service.Value);
    }

    public static bool TryRead(ref WireReader reader, out DirectHeader header)
    {
        header = default;
        if (!reader.TryReadViewId(out var view) || !reader.TryReadByte(out byte service) || service == 0)
        {
            return false;
        }

        header = new DirectHeader(view, new ServiceId(service));
        return true;
    }
}
