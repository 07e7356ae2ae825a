using Muster.Core;

namespace Muster.Transport.InMemory;

/// <summary>
/// The fault state of an in-memory network: which links are cut (per direction), how the nodes are partitioned, and
/// how much of each direction's traffic is lost. Plain data with no clock, thread or random source: the
/// <see cref="InMemoryNetwork"/> reads it under its lock for every datagram and draws the losses itself.
/// </summary>
/// <remarks>Not thread-safe; the network serialises every use.</remarks>
public sealed class NetworkFaults
{
    private readonly HashSet<(NodeId From, NodeId To, int Link)> _cut = [];
    private readonly Dictionary<(NodeId From, NodeId To), double> _loss = [];
    private Dictionary<NodeId, int>? _sides;

    /// <summary>True when nothing is cut, partitioned or lossy.</summary>
    public bool IsHealthy => _cut.Count == 0 && _loss.Count == 0 && _sides is null;

    /// <summary>
    /// True when a datagram from <paramref name="from"/> to <paramref name="to"/> on <paramref name="link"/> passes
    /// the cuts and the partition (loss aside).
    /// </summary>
    public bool Passes(NodeId from, NodeId to, int link)
    {
        if (_sides is not null && from != to &&
            (!_sides.TryGetValue(from, out int a) || !_sides.TryGetValue(to, out int b) || a != b))
        {
            return false;
        }

        return !_cut.Contains((from, to, link)) && !_cut.Contains((from, to, AllLinks));
    }

    /// <summary>The share (0 to 1) of datagrams from <paramref name="from"/> to <paramref name="to"/> that are lost.</summary>
    public double LossOf(NodeId from, NodeId to) => _loss.GetValueOrDefault((from, to));

    /// <summary>Cuts or restores one direction of one link (<see cref="AllLinks"/>: of every link).</summary>
    public void SetLink(NodeId from, NodeId to, int link, bool up)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(link, AllLinks);
        if (up)
        {
            _cut.Remove((from, to, link));
            if (link == AllLinks)
            {
                _cut.RemoveWhere(c => c.From == from && c.To == to);
            }
        }
        else
        {
            _cut.Add((from, to, link));
        }
    }

    /// <summary>
    /// Splits the nodes into <paramref name="sides"/>: nodes on different sides cannot reach each other, and a node on
    /// no side reaches no one. Replaces any earlier partition; link cuts stay.
    /// </summary>
    public void Partition(IReadOnlyList<IReadOnlyCollection<NodeId>> sides)
    {
        var map = new Dictionary<NodeId, int>();
        for (int i = 0; i < sides.Count; i++)
        {
            foreach (NodeId node in sides[i])
            {
                if (!map.TryAdd(node, i))
                {
                    throw new ArgumentException($"node {node} is on two sides of the partition", nameof(sides));
                }
            }
        }

        _sides = map;
    }

    /// <summary>Loses <paramref name="share"/> (0 to 1) of the datagrams from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void SetLoss(NodeId from, NodeId to, double share)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(share, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(share, 1.0);
        if (share == 0)
        {
            _loss.Remove((from, to));
        }
        else
        {
            _loss[(from, to)] = share;
        }
    }

    /// <summary>Restores every link, ends the partition and the losses.</summary>
    public void Heal()
    {
        _cut.Clear();
        _loss.Clear();
        _sides = null;
    }

    /// <summary>The link index that stands for every link in <see cref="SetLink"/>.</summary>
    public const int AllLinks = -1;
}
