using Muster.Core;
using Muster.Wire.Messages;

namespace Muster.Membership;

/// <summary>Which side of a refusal drops the packets.</summary>
public enum RefusalDirection : byte
{
    /// <summary>This node drops the peer's packets.</summary>
    Inbound = 1,
    /// <summary>The peer drops this node's packets (it said so with a Refuse).</summary>
    Outbound = 2,
}

/// <summary>
/// Why packets between this node and one configured peer are refused, as the engine last saw it: one per peer and
/// direction, replaced when the reason changes, removed once the peer's packets are accepted again.
/// </summary>
/// <remarks>The shell reports these in <c>muster status</c>, so that a node kept out of the cluster says why.</remarks>
public sealed class PeerRefusal
{
    internal PeerRefusal(NodeId node, RefusalDirection direction, RefuseReason reason, ulong value, Instant now)
    {
        Node = node;
        Direction = direction;
        Reason = reason;
        Value = value;
        FirstSeen = now;
        LastSeen = now;
        Count = 1;
    }

    /// <summary>The peer.</summary>
    public NodeId Node { get; }

    /// <summary>Who drops whose packets.</summary>
    public RefusalDirection Direction { get; }

    /// <summary>What differs.</summary>
    public RefuseReason Reason { get; }

    /// <summary>What the refusal is about, in words, without the peer's name ("its config version 2 differs from ours (1)").</summary>
    public string Detail { get; internal set; } = "";

    /// <summary>When the first packet of this refusal was seen.</summary>
    public Instant FirstSeen { get; }

    /// <summary>When the latest packet of this refusal was seen.</summary>
    public Instant LastSeen { get; internal set; }

    /// <summary>How many packets were refused for this reason (or, outbound, how many refusals arrived).</summary>
    public long Count { get; internal set; }

    // The value the refusal is about (the peer's config version, its digest, ...): a new value makes a new entry.
    internal ulong Value { get; }
}
