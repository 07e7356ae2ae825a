using Muster.Core;

namespace Muster.Client;

/// <summary>What <see cref="MusterClient.GetStatusAsync"/> reports about the local daemon.</summary>
/// <param name="NodeId">This node's id.</param>
/// <param name="NodeName">This node's name.</param>
/// <param name="ClusterName">The cluster's name.</param>
/// <param name="ViewId">The installed view.</param>
/// <param name="State">The daemon's state in words (for example "operational").</param>
/// <param name="ProtocolVersion">The cluster wire protocol version the members agreed on.</param>
/// <param name="Members">The members of the installed view.</param>
/// <param name="Timeouts">The effective timeouts, by name, in the daemon's order.</param>
/// <param name="Counters">The daemon's counters, by name, in the daemon's order.</param>
/// <param name="Peers">
/// Counters per configured peer, by node id (for example <see cref="PeerCounters.DeclaredFailedWhileLinkUp"/>);
/// null when the daemon does not report them (one from before they existed).
/// </param>
public sealed record DaemonStatus(
    NodeId NodeId,
    string NodeName,
    string ClusterName,
    ViewId ViewId,
    string State,
    int ProtocolVersion,
    IReadOnlyList<MemberInfo> Members,
    IReadOnlyList<KeyValuePair<string, TimeSpan>> Timeouts,
    IReadOnlyList<KeyValuePair<string, long>> Counters,
    IReadOnlyList<PeerCounters>? Peers = null);

/// <summary>Counters the daemon keeps about one configured peer, reported in <see cref="DaemonStatus.Peers"/>.</summary>
/// <param name="Node">The peer's node id.</param>
/// <param name="Name">The peer's configured name.</param>
/// <param name="Counters">
/// Counters, by name, in the daemon's order (for example <see cref="DeclaredFailedWhileLinkUp"/>). The daemon decides
/// which names exist.
/// </param>
public sealed record PeerCounters(NodeId Node, string Name, IReadOnlyList<KeyValuePair<string, long>> Counters)
{
    /// <summary>
    /// The counter the membership's verdicts are audited with: the peer was reported failed or unreachable while a
    /// link probe to it had answered within the link timeout.
    /// </summary>
    public const string DeclaredFailedWhileLinkUp = "declared_failed_while_link_up";
}

/// <summary>A step of an online key rotation (see <see cref="MusterClient.RunKeyOperationAsync"/>).</summary>
public enum KeyOperation
{
    /// <summary>Read the key file again; a new key there is accepted besides the current one (phase 1).</summary>
    Load = 1,

    /// <summary>Seal with the loaded key from now on; the old one is still accepted (phase 2).</summary>
    Activate = 2,

    /// <summary>Drop the old key (phase 3).</summary>
    Retire = 3,
}

/// <summary>The role of a key a node holds.</summary>
public enum KeyRole
{
    /// <summary>Packets are sealed with it (and accepted).</summary>
    Current = 1,

    /// <summary>Loaded for a rotation: accepted, not yet sealed with.</summary>
    Staged = 2,

    /// <summary>Replaced by a rotation: still accepted until retired.</summary>
    Previous = 3,
}

/// <summary>One key a node holds.</summary>
/// <param name="Fingerprint">The key's 32-bit name, as carried in packets.</param>
/// <param name="Role">What the node does with it.</param>
/// <param name="Source">The file it was read from.</param>
public sealed record KeyInfo(uint Fingerprint, KeyRole Role, string Source);

/// <summary>The cluster keys a node holds (<see cref="MusterClient.GetKeysAsync"/>, <see cref="MusterClient.RunKeyOperationAsync"/>).</summary>
/// <param name="Encrypted">False when the daemon runs with <c>crypto = "none"</c> (then <paramref name="Keys"/> is empty).</param>
/// <param name="Keys">The keys held, the current one first.</param>
/// <param name="Outcome">What a key operation did, in words; empty for <see cref="MusterClient.GetKeysAsync"/>.</param>
public sealed record ClusterKeys(bool Encrypted, IReadOnlyList<KeyInfo> Keys, string Outcome);

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

/// <summary>The state of every link from this node to every peer (<see cref="MusterClient.GetLinksAsync"/>).</summary>
/// <param name="Mode"><c>"passive"</c> or <c>"active"</c> (<c>links.mode</c>).</param>
/// <param name="DatagramSize">The largest datagram sent: the smallest budget over the links.</param>
/// <param name="Peers">Every configured peer, by node id.</param>
public sealed record LinkReport(string Mode, int DatagramSize, IReadOnlyList<PeerLinks> Peers);

/// <summary>Who drops whose packets.</summary>
public enum RefusalDirection
{
    /// <summary>This node drops the other side's packets.</summary>
    Inbound = 1,

    /// <summary>The other side drops this node's packets (it said so).</summary>
    Outbound = 2,
}

/// <summary>
/// What differs between the two sides. A newer daemon may report a value this client does not name;
/// <see cref="RefusalInfo.Text"/> still says what it means.
/// </summary>
public enum RefusalReason
{
    /// <summary>Another cluster name.</summary>
    ClusterName = 1,

    /// <summary>Another <c>config_version</c>.</summary>
    ConfigVersion = 2,

    /// <summary>No wire protocol version in common (builds too far apart).</summary>
    ProtocolVersion = 3,

    /// <summary>Another node list (ids, names or addresses), or another node at the address of this one.</summary>
    NodeList = 4,

    /// <summary>Datagrams from an address and port that are not in this node's node list.</summary>
    UnknownAddress = 5,

    /// <summary>Sealed with a key this node does not hold: the key files differ.</summary>
    UnknownKey = 6,

    /// <summary>Unencrypted while this node requires encryption (<c>security.crypto</c> differs).</summary>
    NotEncrypted = 7,

    /// <summary>Encrypted while this node runs with <c>crypto = "none"</c>.</summary>
    Encrypted = 8,

    /// <summary>Failed authentication: forged, corrupted, or from a cluster of another name that shares the key.</summary>
    AuthenticationFailed = 9,
}

/// <summary>One reason why packets between this node and another one (or an address) are refused, as last seen.</summary>
/// <param name="Node">The other node; <see cref="NodeId.None"/> for an address outside the node list.</param>
/// <param name="Name">The other node's configured name; empty for an address outside the node list.</param>
/// <param name="Address">The address the packets came from, or the node's first configured address.</param>
/// <param name="Direction">Who drops whose packets.</param>
/// <param name="Reason">What differs.</param>
/// <param name="Text">What the refusal is about, in words, without the subject ("its config version 2 differs from ours (1)").</param>
/// <param name="Age">How long ago the latest packet of this refusal was seen.</param>
/// <param name="Count">How many packets were refused for it.</param>
public sealed record RefusalInfo(
    NodeId Node, string Name, string Address, RefusalDirection Direction, RefusalReason Reason, string Text, TimeSpan Age, long Count);
