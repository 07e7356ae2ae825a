using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>Asks for the state of every link to every peer; answered with <see cref="LinksResponse"/>.</summary>
public sealed record GetLinksRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetLinksRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetLinks;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>One link to one peer, as the local daemon sees it.</summary>
/// <param name="Index">The link index: the position of the addresses in every node's <c>addresses</c>.</param>
/// <param name="LocalEndpoint">This node's address on the link.</param>
/// <param name="RemoteEndpoint">The peer's address on the link.</param>
/// <param name="Up">True while the peer answers probes on this link within the link timeout.</param>
/// <param name="InUse">True if the next packet to the peer would go over this link (passive), or it is in the rotation (active).</param>
/// <param name="Priority">The link's priority (higher preferred).</param>
/// <param name="Mtu">The link's configured IP MTU in bytes.</param>
/// <param name="Rtt">The smoothed round-trip time of the probes, or null while the link is down.</param>
/// <param name="SinceChange">Time since the link last went up or down (since the daemon started if it never did).</param>
/// <param name="UpTransitions">Times the link went up.</param>
/// <param name="DownTransitions">Times the link went down.</param>
/// <param name="ProbesSent">Pings sent on the link.</param>
/// <param name="PongsReceived">Answers received on the link.</param>
public sealed record LinkInfo(
    int Index, string LocalEndpoint, string RemoteEndpoint, bool Up, bool InUse, int Priority, int Mtu, TimeSpan? Rtt,
    TimeSpan SinceChange, long UpTransitions, long DownTransitions, long ProbesSent, long PongsReceived);

/// <summary>The links to one peer.</summary>
/// <param name="Node">The peer's node id.</param>
/// <param name="Name">The peer's configured name.</param>
/// <param name="Links">Its links, by index.</param>
public sealed record PeerLinks(NodeId Node, string Name, IReadOnlyList<LinkInfo> Links);

/// <summary>Answers <see cref="GetLinksRequest"/>.</summary>
/// <param name="Mode"><c>"passive"</c> or <c>"active"</c> (<c>links.mode</c>).</param>
/// <param name="DatagramSize">The largest datagram sent: the smallest budget over the links.</param>
/// <param name="Peers">Every configured peer, by node id.</param>
public sealed record LinksResponse(string Mode, int DatagramSize, IReadOnlyList<PeerLinks> Peers) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.LinksResult;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteString(Mode);
        writer.WriteUInt32((uint)DatagramSize);
        writer.WriteCount(Peers.Count);
        foreach (var peer in Peers)
        {
            writer.WriteNode(peer.Node);
            writer.WriteString(peer.Name);
            writer.WriteCount(peer.Links.Count);
            foreach (var link in peer.Links)
            {
                writer.WriteByte((byte)link.Index);
                writer.WriteString(link.LocalEndpoint);
                writer.WriteString(link.RemoteEndpoint);
                writer.WriteByte((byte)((link.Up ? 1 : 0) | (link.InUse ? 2 : 0) | (link.Rtt is null ? 0 : 4)));
                writer.WriteByte((byte)link.Priority);
                writer.WriteUInt32((uint)link.Mtu);
                writer.WriteTimeSpan(link.Rtt ?? TimeSpan.Zero);
                writer.WriteTimeSpan(link.SinceChange);
                writer.WriteInt64(link.UpTransitions);
                writer.WriteInt64(link.DownTransitions);
                writer.WriteInt64(link.ProbesSent);
                writer.WriteInt64(link.PongsReceived);
            }
        }
    }

    internal static LinksResponse Read(ref FrameReader r)
    {
        string mode = r.ReadString("mode");
        int datagram = (int)Math.Min(r.ReadUInt32("datagram_size"), int.MaxValue);
        // node (4), name (a string: its length prefix at least), link count (4)
        int peerCount = r.ReadCount(4 + 2 + 4, "peers");
        var peers = peerCount == 0 ? [] : new PeerLinks[peerCount];
        for (int i = 0; i < peerCount && !r.Failed; i++)
        {
            NodeId node = r.ReadNode("peer.node");
            string name = r.ReadString("peer.name");
            // index, two strings, flags, priority, mtu, two durations, four counters
            int linkCount = r.ReadCount(1 + 2 + 2 + 1 + 1 + 4 + 8 * 6, "peer.links");
            var links = linkCount == 0 ? [] : new LinkInfo[linkCount];
            for (int j = 0; j < linkCount && !r.Failed; j++)
            {
                int index = r.ReadByte("link.index");
                string local = r.ReadString("link.local");
                string remote = r.ReadString("link.remote");
                byte flags = r.ReadByte("link.flags");
                int priority = r.ReadByte("link.priority");
                int mtu = (int)Math.Min(r.ReadUInt32("link.mtu"), int.MaxValue);
                TimeSpan rtt = r.ReadTimeSpan("link.rtt");
                links[j] = new LinkInfo(index, local, remote, (flags & 1) != 0, (flags & 2) != 0, priority, mtu,
                    (flags & 4) != 0 ? rtt : null, r.ReadTimeSpan("link.since_change"), r.ReadInt64("link.up_transitions"),
                    r.ReadInt64("link.down_transitions"), r.ReadInt64("link.probes_sent"), r.ReadInt64("link.pongs_received"));
            }

            peers[i] = new PeerLinks(node, name, links);
        }

        return new LinksResponse(mode, datagram, peers);
    }

    /// <inheritdoc/>
    public bool Equals(LinksResponse? other) =>
        other is not null && Mode == other.Mode && DatagramSize == other.DatagramSize
        && Peers.Count == other.Peers.Count
        && Peers.Zip(other.Peers).All(p => p.First.Node == p.Second.Node && p.First.Name == p.Second.Name
            && p.First.Links.SequenceEqual(p.Second.Links));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mode, DatagramSize, Peers.Count);
}
