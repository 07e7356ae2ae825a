using Muster.Core;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Membership;

/// <summary>Everything the membership engine needs to know that does not change while it runs.</summary>
public sealed record MembershipOptions
{
    /// <summary>The cluster's name; packets from another cluster are refused.</summary>
    public required string ClusterName { get; init; }

    /// <summary>The configuration's version; nodes with a different version are refused.</summary>
    public ulong ConfigVersion { get; init; }

    /// <summary>Every node in the configuration's node list, this one included.</summary>
    public required IReadOnlyList<NodeId> Nodes { get; init; }

    /// <summary>
    /// For each configured node, the hash of its name and addresses (<see cref="NodeListDigest.EntryHash"/>), which
    /// goes into the node-list digest that nodes compare. A node missing here hashes as 0: the shell fills in every
    /// node from its configuration; tests and the simulator may leave it empty, and then only the ids are compared.
    /// </summary>
    public IReadOnlyDictionary<NodeId, uint>? NodeEntryHashes { get; init; }

    /// <summary>How often a heartbeat goes to every other configured node.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A node not heard from for this long is considered failed.</summary>
    public TimeSpan FailureTimeout { get; init; } = TimeSpan.FromMilliseconds(600);

    /// <summary>How long one phase of a view change waits for every proposed member to answer.</summary>
    public TimeSpan ConsensusTimeout { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>After start, how long a node waits to be invited into a view before it forms one itself.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Period of retransmissions (data, retransmit requests, view-change messages).</summary>
    public TimeSpan RetransmitInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Largest datagram this node sends, header included.</summary>
    public int MaxDatagramSize { get; init; } = 1400;

    /// <summary>Largest group message accepted from a local sender.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>Fragments a node may have submitted to the sequencer but not yet seen ordered.</summary>
    public int SendWindow { get; init; } = 64;

    /// <summary>Ordered fragments the sequencer keeps that not every member has acknowledged.</summary>
    public int SequencerWindow { get; init; } = 2048;

    /// <summary>Bytes of local messages queued but not yet delivered back to this node.</summary>
    public long MaxPendingBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Point-to-point service messages queued between two flushes, at most.</summary>
    public int MaxQueuedDirect { get; init; } = 4096;

    /// <summary>Oldest wire version this node speaks.</summary>
    public byte MinProtocolVersion { get; init; } = WireProtocol.MinVersion;

    /// <summary>Newest wire version this node speaks.</summary>
    public byte MaxProtocolVersion { get; init; } = WireProtocol.MaxVersion;

    /// <summary>Payload bytes of one fragment, given the datagram size.</summary>
    public int FragmentPayloadSize => MaxDatagramSize - WireProtocol.HeaderSize - OrderedHeaderSize - FragmentOverhead;

    /// <summary>
    /// Largest fragment payload accepted from a peer: a version-2 sender's fragments have one byte less overhead (no
    /// service id), so they may be one byte larger than ours.
    /// </summary>
    internal int ReceivedFragmentLimit => MaxDatagramSize - WireProtocol.HeaderSize - OrderedHeaderSize - Fragment.OverheadAt(WireProtocol.MinVersion);

    private const int OrderedHeaderSize = 30;
    private const int FragmentOverhead = Fragment.Overhead;

    /// <summary>Throws when a value is out of range; the daemon validates its config earlier with better messages.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDatagramSize, 256);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDatagramSize, WireProtocol.MaxDatagramSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(SendWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SequencerWindow, SendWindow);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingBytes, MaxMessageSize);
        if (Nodes.Count == 0 || Nodes.Count > WireProtocol.MaxNodes)
        {
            throw new ArgumentException($"between 1 and {WireProtocol.MaxNodes} nodes are required", nameof(Nodes));
        }

        if ((MaxMessageSize + FragmentPayloadSize - 1) / FragmentPayloadSize > ushort.MaxValue)
        {
            throw new ArgumentException("MaxMessageSize needs more than 65535 fragments at this datagram size");
        }

        if (FailureTimeout <= HeartbeatInterval || RetransmitInterval <= TimeSpan.Zero || ConsensusTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("timeouts must be positive and the failure timeout longer than the heartbeat interval");
        }
    }
}
