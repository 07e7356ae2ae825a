using Muster.Core;

namespace Muster.Wire.Messages;

/// <summary>Heartbeat: liveness plus what the receiver needs for failure detection, merging and flow control.</summary>
/// <param name="View">The sender's installed view.</param>
/// <param name="State">The sender's state (see the membership engine's NodeState values).</param>
/// <param name="Ack">The sender's all-received-up-to sequence in <paramref name="View"/>; for the sequencer, its highest assigned sequence.</param>
/// <param name="Stable">For the sequencer: the stable sequence. Others: 0.</param>
/// <param name="MaxViewSequence">The highest view sequence the sender has seen or used.</param>
/// <param name="Heard">Nodes the sender has heard within its failure timeout (for mutual-connectivity checks).</param>
/// <param name="NodeListDigest">The digest of the sender's node list (<see cref="Wire.NodeListDigest"/>; wire version 2).</param>
public sealed record Heartbeat(ViewId View, byte State, ulong Ack, ulong Stable, ulong MaxViewSequence, NodeId[] Heard,
    ulong NodeListDigest)
{
    public int EncodedSize => 12 + 1 + 1 + 8 + 8 + 8 + 2 + (4 * Heard.Length) + 8;

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(View);
        writer.WriteByte(State);
        writer.WriteByte(0);
        writer.WriteUInt64(Ack);
        writer.WriteUInt64(Stable);
        writer.WriteUInt64(MaxViewSequence);
        writer.WriteUInt16((ushort)Heard.Length);
        foreach (var n in Heard)
        {
            writer.WriteNode(n);
        }

        writer.WriteUInt64(NodeListDigest);
    }

    public static bool TryRead(ref WireReader reader, out Heartbeat? message)
    {
        message = null;
        if (!reader.TryReadViewId(out var view) || !reader.TryReadByte(out byte state) || !reader.TryReadByte(out _) ||
            !reader.TryReadUInt64(out ulong ack) || !reader.TryReadUInt64(out ulong stable) ||
            !reader.TryReadUInt64(out ulong maxSeq) || !reader.TryReadUInt16(out ushort count) ||
            count > WireProtocol.MaxNodes)
        {
            return false;
        }

        var heard = new NodeId[count];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadNode(out heard[i]))
            {
                return false;
            }
        }

        if (!reader.TryReadUInt64(out ulong digest))
        {
            return false;
        }

        message = new Heartbeat(view, state, ack, stable, maxSeq, heard, digest);
        return true;
    }

    /// <summary>
    /// Reads only the node-list digest of a heartbeat body, without allocating, so that a heartbeat from a node with
    /// another node list can be refused before it touches any state.
    /// </summary>
    public static bool TryReadNodeListDigest(ReadOnlySpan<byte> body, out ulong digest)
    {
        digest = 0;
        var reader = new WireReader(body);
        const int BeforeCount = 12 + 1 + 1 + 8 + 8 + 8;
        if (!reader.TryReadBytes(BeforeCount, out _) || !reader.TryReadUInt16(out ushort count) || count > WireProtocol.MaxNodes ||
            !reader.TryReadBytes(4 * count, out _))
        {
            return false;
        }

        return reader.TryReadUInt64(out digest);
    }
}

/// <summary>Ack: a receiver's all-received-up-to sequence in a view.</summary>
public readonly record struct Ack(ViewId View, ulong Sequence)
{
    public const int Size = 20;

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(View);
        writer.WriteUInt64(Sequence);
    }

    public static bool TryRead(ref WireReader reader, out Ack message)
    {
        message = default;
        if (!reader.TryReadViewId(out var view) || !reader.TryReadUInt64(out ulong seq))
        {
            return false;
        }

        message = new Ack(view, seq);
        return true;
    }
}

/// <summary>Nack: please retransmit sequences <see cref="From"/>..<see cref="To"/> (inclusive) of a view.</summary>
public readonly record struct Nack(ViewId View, ulong From, ulong To)
{
    public const int Size = 28;

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(View);
        writer.WriteUInt64(From);
        writer.WriteUInt64(To);
    }

    public static bool TryRead(ref WireReader reader, out Nack message)
    {
        message = default;
        if (!reader.TryReadViewId(out var view) || !reader.TryReadUInt64(out ulong from) ||
            !reader.TryReadUInt64(out ulong to) || from == 0 || to < from)
        {
            return false;
        }

        message = new Nack(view, from, to);
        return true;
    }
}

/// <summary>Prepare: a coordinator proposes view <see cref="Proposal"/> with these members.</summary>
public sealed record Prepare(ViewId Proposal, MemberId[] Members)
{
    public int EncodedSize => 12 + 2 + (12 * Members.Length);

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(Proposal);
        writer.WriteUInt16((ushort)Members.Length);
        foreach (var m in Members)
        {
            writer.WriteMember(m);
        }
    }

    public static bool TryRead(ref WireReader reader, out Prepare? message)
    {
        message = null;
        if (!reader.TryReadViewId(out var proposal) || !TryReadMembers(ref reader, out var members))
        {
            return false;
        }

        message = new Prepare(proposal, members);
        return true;
    }

    internal static bool TryReadMembers(ref WireReader reader, out MemberId[] members)
    {
        members = [];
        if (!reader.TryReadUInt16(out ushort count) || count == 0 || count > WireProtocol.MaxNodes)
        {
            return false;
        }

        members = new MemberId[count];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadMember(out members[i]) || !members[i].Node.IsValid)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A member's answer to Prepare.</summary>
/// <param name="Proposal">The proposal answered.</param>
/// <param name="Accepted">True: the member promised and froze delivery. False: it refused (see <paramref name="Promised"/>).</param>
/// <param name="CurrentView">The member's installed view (none when it has never been in one).</param>
/// <param name="Held">
/// The highest position p in <paramref name="CurrentView"/> such that the member has delivered or holds every fragment
/// 1..p, when it promised. For that view's sequencer it is everything it sequenced: it sequences nothing after a
/// promise, so a cut-off taken with its answer covers every fragment of the view.
/// </param>
/// <param name="MaxViewSequence">The highest view sequence the member has seen, so a retry can go above it.</param>
/// <param name="Promised">The proposal the member is bound to.</param>
/// <param name="MinVersion">Lowest wire version the member speaks.</param>
/// <param name="MaxVersion">Highest wire version the member speaks.</param>
public readonly record struct PrepareOk(
    ViewId Proposal, bool Accepted, ViewId CurrentView, ulong Held, ulong MaxViewSequence, ViewId Promised,
    byte MinVersion, byte MaxVersion)
{
    public const int Size = 12 + 1 + 12 + 8 + 8 + 12 + 2;

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(Proposal);
        writer.WriteByte(Accepted ? (byte)1 : (byte)0);
        writer.WriteViewId(CurrentView);
        writer.WriteUInt64(Held);
        writer.WriteUInt64(MaxViewSequence);
        writer.WriteViewId(Promised);
        writer.WriteByte(MinVersion);
        writer.WriteByte(MaxVersion);
    }

    public static bool TryRead(ref WireReader reader, out PrepareOk message)
    {
        message = default;
        if (!reader.TryReadViewId(out var proposal) || !reader.TryReadByte(out byte accepted) ||
            !reader.TryReadViewId(out var current) || !reader.TryReadUInt64(out ulong delivered) ||
            !reader.TryReadUInt64(out ulong maxSeq) || !reader.TryReadViewId(out var promised) ||
            !reader.TryReadByte(out byte min) || !reader.TryReadByte(out byte max) || accepted > 1 || min > max)
        {
            return false;
        }

        message = new PrepareOk(proposal, accepted == 1, current, delivered, maxSeq, promised, min, max);
        return true;
    }
}

/// <summary>Where one old view's message stream ends, and which member holds everything up to there.</summary>
public readonly record struct SyncCut(ViewId OldView, ulong Cutoff, NodeId Holder);

/// <summary>Sync: the cut-off of every old view that members of the proposal come from.</summary>
public sealed record Sync(ViewId Proposal, SyncCut[] Cuts)
{
    public int EncodedSize => 12 + 2 + (24 * Cuts.Length);

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(Proposal);
        writer.WriteUInt16((ushort)Cuts.Length);
        foreach (var c in Cuts)
        {
            writer.WriteViewId(c.OldView);
            writer.WriteUInt64(c.Cutoff);
            writer.WriteNode(c.Holder);
        }
    }

    public static bool TryRead(ref WireReader reader, out Sync? message)
    {
        message = null;
        if (!reader.TryReadViewId(out var proposal) || !reader.TryReadUInt16(out ushort count) ||
            count > WireProtocol.MaxNodes)
        {
            return false;
        }

        var cuts = new SyncCut[count];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadViewId(out var old) || !reader.TryReadUInt64(out ulong cutoff) ||
                !reader.TryReadNode(out var holder))
            {
                return false;
            }

            cuts[i] = new SyncCut(old, cutoff, holder);
        }

        message = new Sync(proposal, cuts);
        return true;
    }
}

/// <summary>SyncOk: the member has delivered its old view up to the cut-off.</summary>
public sealed record SyncOk(ViewId Proposal)
{
    public const int Size = 12;

    public void Write(ref WireWriter writer) => writer.WriteViewId(Proposal);

    public static bool TryRead(ref WireReader reader, out SyncOk? message)
    {
        message = null;
        if (!reader.TryReadViewId(out var proposal))
        {
            return false;
        }

        message = new SyncOk(proposal);
        return true;
    }
}

/// <summary>Why a member left a view, as the coordinator knows it. Values are on the wire: never renumber.</summary>
public enum DepartureReason : byte
{
    /// <summary>No heartbeat within the failure timeout, or it stopped answering the view change.</summary>
    Failed = 1,
    /// <summary>It left cleanly (muster leave, SIGTERM).</summary>
    Left = 2,
    /// <summary>It restarted: a newer incarnation of the node was heard.</summary>
    Restarted = 3,
    /// <summary>It is alive but not connected both ways with the rest of the view.</summary>
    Unreachable = 4,
}

/// <summary>A member of a new view together with the view it came from.</summary>
public readonly record struct InstallMember(MemberId Member, ViewId PreviousView);

/// <summary>A departure the coordinator knows the reason for.</summary>
public readonly record struct Departure(MemberId Member, DepartureReason Reason);

/// <summary>Install: the coordinator installs <see cref="Proposal"/>.</summary>
public sealed record Install(ViewId Proposal, byte ProtocolVersion, InstallMember[] Members, Departure[] Departures)
{
    public int EncodedSize => 12 + 1 + 2 + (24 * Members.Length) + 2 + (13 * Departures.Length);

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(Proposal);
        writer.WriteByte(ProtocolVersion);
        writer.WriteUInt16((ushort)Members.Length);
        foreach (var m in Members)
        {
            writer.WriteMember(m.Member);
            writer.WriteViewId(m.PreviousView);
        }

        writer.WriteUInt16((ushort)Departures.Length);
        foreach (var d in Departures)
        {
            writer.WriteMember(d.Member);
            writer.WriteByte((byte)d.Reason);
        }
    }

    public static bool TryRead(ref WireReader reader, out Install? message)
    {
        message = null;
        if (!reader.TryReadViewId(out var proposal) || !reader.TryReadByte(out byte version) ||
            !reader.TryReadUInt16(out ushort count) || count == 0 || count > WireProtocol.MaxNodes)
        {
            return false;
        }

        var members = new InstallMember[count];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadMember(out var m) || !m.Node.IsValid || !reader.TryReadViewId(out var prev))
            {
                return false;
            }

            members[i] = new InstallMember(m, prev);
        }

        if (!reader.TryReadUInt16(out ushort departCount) || departCount > WireProtocol.MaxNodes)
        {
            return false;
        }

        var departures = new Departure[departCount];
        for (int i = 0; i < departCount; i++)
        {
            if (!reader.TryReadMember(out var m) || !reader.TryReadByte(out byte reason) ||
                reason is 0 or > (byte)DepartureReason.Unreachable)
            {
                return false;
            }

            departures[i] = new Departure(m, (DepartureReason)reason);
        }

        message = new Install(proposal, version, members, departures);
        return true;
    }
}

/// <summary>Leave: the sender leaves the cluster now.</summary>
public readonly record struct Leave(ViewId View)
{
    public const int Size = 12;

    public void Write(ref WireWriter writer) => writer.WriteViewId(View);

    public static bool TryRead(ref WireReader reader, out Leave message)
    {
        bool ok = reader.TryReadViewId(out var view);
        message = new Leave(view);
        return ok;
    }
}

/// <summary>Why a packet was refused. Values are on the wire: never renumber.</summary>
public enum RefuseReason : byte
{
    /// <summary>The sender belongs to another cluster (cluster name differs).</summary>
    ClusterName = 1,
    /// <summary>The sender's config version differs from the receiver's.</summary>
    ConfigVersion = 2,
    /// <summary>No wire version in common.</summary>
    ProtocolVersion = 3,
    /// <summary>The sender's node list differs from the receiver's (wire version 2).</summary>
    NodeList = 4,
}

/// <summary>Refuse: tells the sender why its packets are dropped, so both sides log the cause.</summary>
/// <param name="Reason">Why.</param>
/// <param name="ReceiverValue">
/// The refusing node's own value: its config version (<see cref="RefuseReason.ConfigVersion"/>), its highest wire
/// version (<see cref="RefuseReason.ProtocolVersion"/>), its node-list digest (<see cref="RefuseReason.NodeList"/>), else 0.
/// </param>
/// <param name="Nodes">
/// With <see cref="RefuseReason.NodeList"/>: the refusing node's node list (as many entries as fit one datagram), so
/// the refused node can name the nodes that differ. Empty otherwise.
/// </param>
/// <remarks>
/// Layout: reason u8, value u64, entry count u16, then per entry node u32 and entry hash u32. The first 9 bytes are
/// wire version 1's whole body, so a version-1 node still reads why a version-2 node refuses it.
/// </remarks>
public sealed record Refuse(RefuseReason Reason, ulong ReceiverValue, NodeListEntry[] Nodes)
{
    /// <summary>Bytes of a refusal without node entries.</summary>
    public const int FixedSize = 1 + 8 + 2;

    /// <summary>Bytes of one node entry.</summary>
    public const int EntrySize = 8;

    public int EncodedSize => FixedSize + (EntrySize * Nodes.Length);

    public void Write(ref WireWriter writer)
    {
        writer.WriteByte((byte)Reason);
        writer.WriteUInt64(ReceiverValue);
        writer.WriteUInt16((ushort)Nodes.Length);
        foreach (var entry in Nodes)
        {
            writer.WriteNode(entry.Node);
            writer.WriteUInt32(entry.Hash);
        }
    }

    public static bool TryRead(ref WireReader reader, out Refuse? message)
    {
        message = null;
        if (!reader.TryReadByte(out byte reason) || reason is 0 or > (byte)RefuseReason.NodeList ||
            !reader.TryReadUInt64(out ulong value) || !reader.TryReadUInt16(out ushort count) || count > WireProtocol.MaxNodes)
        {
            return false;
        }

        var nodes = count == 0 ? [] : new NodeListEntry[count];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadNode(out var node) || !node.IsValid || !reader.TryReadUInt32(out uint hash))
            {
                return false;
            }

            nodes[i] = new NodeListEntry(node, hash);
        }

        message = new Refuse((RefuseReason)reason, value, nodes);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Refuse? other) =>
        other is not null && Reason == other.Reason && ReceiverValue == other.ReceiverValue && Nodes.AsSpan().SequenceEqual(other.Nodes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Reason, ReceiverValue, Nodes.Length);
}
