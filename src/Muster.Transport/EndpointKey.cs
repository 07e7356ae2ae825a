using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Muster.Transport;

// A datagram source or configured endpoint reduced to what identifies a peer, without allocating: the address as
// 128 bits (IPv4 in its IPv4-mapped IPv6 form, so senders seen through a dual-stack socket match IPv4
// configuration) and the port. The IPv6 scope is kept beside it because a configured address without a scope
// matches a sender on any interface.
internal readonly record struct EndpointKey(UInt128 Address, ushort Port)
{
    private const ulong MappedPrefix = 0x0000_FFFF_0000_0000;

    public static (EndpointKey Key, uint ScopeId) From(IPEndPoint endpoint)
    {
        IPAddress address = endpoint.Address;
        byte[] bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return (new EndpointKey(new UInt128(0, MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(bytes)), (ushort)endpoint.Port), 0);
        }

        var value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        uint scope = IsMapped(value) ? 0 : (uint)address.ScopeId;
        return (new EndpointKey(value, (ushort)endpoint.Port), scope);
    }

    // Reads a raw sockaddr_in / sockaddr_in6 as filled in by recvfrom. The family comes from SocketAddress (its
    // encoding differs between Linux and the BSDs); port, address and scope sit at the same offsets everywhere.
    public static bool TryFrom(SocketAddress socketAddress, out EndpointKey key, out uint scopeId)
    {
        ReadOnlySpan<byte> raw = socketAddress.Buffer.Span[..socketAddress.Size];
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when raw.Length >= 8:
                key = new EndpointKey(
                    new UInt128(0, MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(raw[4..8])),
                    BinaryPrimitives.ReadUInt16BigEndian(raw[2..4]));
                scopeId = 0;
                return true;

            case AddressFamily.InterNetworkV6 when raw.Length >= 24:
                var value = BinaryPrimitives.ReadUInt128BigEndian(raw[8..24]);
                key = new EndpointKey(value, BinaryPrimitives.ReadUInt16BigEndian(raw[2..4]));
                // sin6_scope_id is in host byte order.
                scopeId = raw.Length >= 28 && !IsMapped(value) ? MemoryMarshal.Read<uint>(raw[24..28]) : 0;
                return true;

            default:
                key = default;
                scopeId = 0;
                return false;
        }
    }

    private static bool IsMapped(UInt128 address) => address >> 32 == 0xFFFF;
}
