using Muster.Core;

namespace Muster.Node.Quorum;

/// <summary>Which side of an even split keeps quorum (votequorum's <c>auto_tie_breaker_node</c>).</summary>
public enum TieBreakerKind
{
    /// <summary>The side holding the lowest node id of the previous view (votequorum's default).</summary>
    Lowest,

    /// <summary>The side holding the highest node id of the previous view.</summary>
    Highest,

    /// <summary>The side holding the first node of a configured list that was in the previous view.</summary>
    List,
}

/// <summary>A tie-breaker rule: lowest node id, highest, or the first listed node that is present.</summary>
/// <param name="Kind">The rule.</param>
/// <param name="Nodes">For <see cref="TieBreakerKind.List"/>: the nodes in order of preference; empty otherwise.</param>
public sealed record TieBreaker(TieBreakerKind Kind, IReadOnlyList<NodeId> Nodes)
{
    /// <summary>The lowest node id wins.</summary>
    public static TieBreaker Lowest { get; } = new(TieBreakerKind.Lowest, []);

    /// <summary>The highest node id wins.</summary>
    public static TieBreaker Highest { get; } = new(TieBreakerKind.Highest, []);

    /// <summary>
    /// The node that decides between the sides of a split of <paramref name="candidates"/> (the members of the view
    /// before the split), or <see cref="NodeId.None"/> when no listed node was among them.
    /// </summary>
    public NodeId Choose(IReadOnlyCollection<NodeId> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            return NodeId.None;
        }

        switch (Kind)
        {
            case TieBreakerKind.Lowest:
                return candidates.Min();
            case TieBreakerKind.Highest:
                return candidates.Max();
            default:
                foreach (var node in Nodes)
                {
                    if (candidates.Contains(node))
                    {
                        return node;
                    }
                }

                return NodeId.None;
        }
    }
}
