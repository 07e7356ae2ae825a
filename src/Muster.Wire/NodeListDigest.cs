using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Muster.Core;

namespace Muster.Wire;

/// <summary>One node of a node list as nodes compare it: its id and a hash of its name and addresses.</summary>
/// <param name="Node">The node's id.</param>
/// <param name="Hash">See <see cref="NodeListDigest.EntryHash"/>.</param>
public readonly record struct NodeListEntry(NodeId Node, uint Hash);

/// <summary>
/// The digest of a node list that every heartbeat carries (wire version 2), so that nodes whose node lists differ
/// refuse each other and say so, as they do for a different config version.
/// </summary>
/// <remarks>
/// <para>Each node's entry is hashed on its own (<see cref="EntryHash"/>), so that a refusal can carry the entries
/// and the receiver can name the nodes that differ. The digest is a 64-bit FNV-1a over the entries sorted by node
/// id, each as node id u32 and entry hash u32, little-endian. Both are part of the wire format: every node of a
/// cluster must compute them the same way.</para>
/// <para>Not a security measure (packets are authenticated by the cluster key): a 32-bit entry hash makes an
/// accidental collision between two differing entries a one-in-four-billion event.</para>
/// </remarks>
public static class NodeListDigest
{
    private const uint Fnv32Offset = 2166136261;
    private const uint Fnv32Prime = 16777619;
    private const ulong Fnv64Offset = 14695981039346656037;
    private const ulong Fnv64Prime = 1099511628211;

    /// <summary>
    /// The hash of one node's entry: 32-bit FNV-1a over its id (u32), its name (u16 byte count, UTF-8), its address
    /// count (u8) and each address in order (16 bytes, IPv4 in its IPv4-mapped IPv6 form, then the port as u16).
    /// </summary>
    /// <remarks>
    /// The IPv6 scope (<c>%eth1</c>) is left out: it names an interface of the machine that reads the configuration,
    /// which may rightly differ from node to node.
    /// </remarks>
    /// <exception cref="ArgumentException">An endpoint is neither IPv4 nor IPv6.</exception>
    public static uint EntryHash(NodeId node, string name, IReadOnlyList<IPEndPoint> endpoints)
    {
        uint hash = Fnv32Offset;
        Span<byte> scratch = stackalloc byte[18];
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, node.Value);
        hash = Fnv32(hash, scratch[..4]);
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)nameBytes.Length);
        hash = Fnv32(hash, scratch[..2]);
        hash = Fnv32(hash, nameBytes);
        scratch[0] = (byte)endpoints.Count;
        hash = Fnv32(hash, scratch[..1]);
        foreach (var endpoint in endpoints)
        {
            var address = endpoint.Address.AddressFamily switch
            {
                AddressFamily.InterNetwork => endpoint.Address.MapToIPv6(),
                AddressFamily.InterNetworkV6 => endpoint.Address,
                _ => throw new ArgumentException($"endpoint {endpoint} is neither IPv4 nor IPv6", nameof(endpoints)),
            };
            if (!address.TryWriteBytes(scratch[..16], out _))
            {
                throw new ArgumentException($"endpoint {endpoint} has no 16-byte form", nameof(endpoints));
            }

            BinaryPrimitives.WriteUInt16LittleEndian(scratch[16..], (ushort)endpoint.Port);
            hash = Fnv32(hash, scratch);
        }

        return hash;
    }

    /// <summary>The digest of a node list; the order of <paramref name="entries"/> does not matter.</summary>
    public static ulong Compute(IEnumerable<NodeListEntry> entries)
    {
        ulong hash = Fnv64Offset;
        Span<byte> scratch = stackalloc byte[8];
        foreach (var entry in entries.OrderBy(e => e.Node))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, entry.Node.Value);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch[4..], entry.Hash);
            foreach (byte b in scratch)
            {
                hash = (hash ^ b) * Fnv64Prime;
            }
        }

        return hash;
    }

    private static uint Fnv32(uint hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * Fnv32Prime;
        }

        return hash;
    }
}
