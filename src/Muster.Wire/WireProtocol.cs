namespace Muster.Wire;

/// <summary>Protocol constants shared by every node.</summary>
public static class WireProtocol
{
    /// <summary>First two bytes of every packet: "MU" read little-endian.</summary>
    public const ushort Magic = 0x554D;

    /// <summary>Oldest wire version this build speaks.</summary>
    /// <remarks>
    /// Version 2 added the node-list digest to the heartbeat and the node list to the refusal
    /// (<see cref="Messages.RefuseReason.NodeList"/>). Version 1 is not spoken any more: a version-1 node is refused, and
    /// it can still read why (the first 9 bytes of a refusal kept their layout).
    /// </remarks>
    public const byte MinVersion = 2;

    /// <summary>Newest wire version this build speaks.</summary>
    /// <remarks>
    /// Version 3 added the service id to every ordered fragment (<see cref="ServiceId"/>) and the point-to-point
    /// <see cref="PacketType.Service"/> packet. A view of version 2 carries only the group layer's messages, without a
    /// service id, so a version-2 node and this build form a cluster together.
    /// </remarks>
    public const byte MaxVersion = 3;

    /// <summary>The first wire version whose fragments carry a service id and which has <see cref="PacketType.Service"/>.</summary>
    public const byte ServiceVersion = 3;

    /// <summary>Size of <see cref="PacketHeader"/> on the wire.</summary>
    public const int HeaderSize = 32;

    /// <summary>Largest datagram any node accepts, whatever its configuration.</summary>
    public const int MaxDatagramSize = 65_000;

    /// <summary>Largest number of nodes in one cluster (bounds every list in a packet).</summary>
    public const int MaxNodes = 1024;

    /// <summary>A stable 32-bit hash of the cluster name (FNV-1a over UTF-8) carried in every header.</summary>
    public static uint ClusterHash(string clusterName)
    {
        uint hash = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(clusterName))
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}
