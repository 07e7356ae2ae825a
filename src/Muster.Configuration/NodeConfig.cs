using System.Net;
using Muster.Core;

namespace Muster.Configuration;

/// <summary>One <c>[[node]]</c> entry: a cluster member's id, name and the UDP endpoints it listens on.</summary>
/// <param name="Id">The node id, 1 .. 4294967294, unique in the cluster.</param>
/// <param name="Name">The node name, 1..64 characters of A-Z a-z 0-9 _ . -, unique in the cluster (ignoring case).</param>
/// <param name="Endpoints">
/// 1..8 endpoints; the port is the one written in the address or else <c>cluster.port</c>. An IPv6 scope
/// (<c>fe80::1%eth0</c>) is kept as <see cref="IPAddress.ScopeId"/>.
/// </param>
/// <param name="Votes">Its votes toward quorum (<c>votes</c>, 0..255; default 1), votequorum's <c>quorum_votes</c>.</param>
/// <remarks>Equality compares the endpoints element by element.</remarks>
public sealed record NodeConfig(uint Id, string Name, IReadOnlyList<IPEndPoint> Endpoints, int Votes = NodeConfig.DefaultVotes)
{
    /// <summary>A node's votes when its entry does not say.</summary>
    public const int DefaultVotes = 1;

    /// <summary>The most votes one node may have.</summary>
    public const int MaxVotes = 255;

    /// <summary>The id as a <see cref="Core.NodeId"/>.</summary>
    public NodeId NodeId => new(Id);

    /// <inheritdoc/>
    public bool Equals(NodeConfig? other) =>
        other is not null && Id == other.Id && Name == other.Name && Votes == other.Votes && Endpoints.SequenceEqual(other.Endpoints);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Name, Endpoints.Count);

    /// <summary>For messages: <c>1 "node1"</c>.</summary>
    public override string ToString() => $"{Id} \"{Name}\"";
}
