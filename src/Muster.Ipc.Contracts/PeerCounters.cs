using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>Counters the daemon keeps about one configured peer, reported in <see cref="StatusResponse.Peers"/>.</summary>
/// <param name="Node">The peer's node id.</param>
/// <param name="Name">The peer's configured name.</param>
/// <param name="Counters">
/// Counters, by name, in the daemon's order (for example <c>declared_failed_while_link_up</c>). The daemon decides
/// which names exist.
/// </param>
public sealed record PeerCounters(NodeId Node, string Name, IReadOnlyList<KeyValuePair<string, long>> Counters)
{
    /// <summary>The counter the membership's verdicts are audited with: the peer was reported failed or unreachable while a link probe to it had answered within the link timeout.</summary>
    public const string DeclaredFailedWhileLinkUp = "declared_failed_while_link_up";

    // node u32, name (u16 len), counter count u32.
    internal const int MinSize = 4 + 2 + 4;

    /// <inheritdoc/>
    public bool Equals(PeerCounters? other) =>
        other is not null && Node == other.Node && Name == other.Name && Counters.SequenceEqual(other.Counters);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Node, Name, Counters.Count);

    internal static void WriteList(ref FrameWriter writer, IReadOnlyList<PeerCounters> peers)
    {
        writer.WriteCount(peers.Count);
        foreach (var peer in peers)
        {
            writer.WriteNode(peer.Node);
            writer.WriteString(peer.Name);
            writer.WriteCount(peer.Counters.Count);
            foreach (var (name, value) in peer.Counters)
            {
                writer.WriteString(name);
                writer.WriteInt64(value);
            }
        }
    }

    internal static PeerCounters[] ReadList(ref FrameReader r)
    {
        int count = r.ReadCount(MinSize, "peers");
        var peers = count == 0 ? [] : new PeerCounters[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            var node = r.ReadNode("peer.node");
            string name = r.ReadString("peer.name");
            int counterCount = r.ReadCount(WireModel.MinNamedValueSize, "peer.counters");
            var counters = counterCount == 0 ? [] : new KeyValuePair<string, long>[counterCount];
            for (int j = 0; j < counterCount && !r.Failed; j++)
            {
                counters[j] = new(r.ReadString("peer.counter.name"), r.ReadInt64("peer.counter.value"));
            }

            peers[i] = new PeerCounters(node, name, counters);
        }

        return peers;
    }
}
