using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Wire;

namespace Muster.Membership;

/// <summary>A datagram the engine wants sent.</summary>
/// <remarks>Several packets may share one buffer (one ordered batch goes to every member); never modify it.</remarks>
public readonly record struct OutgoingPacket(NodeId Destination, byte[] Buffer, int Length);

/// <summary>The kind of a <see cref="MembershipEvent"/>.</summary>
public enum MembershipEventKind : byte
{
    /// <summary>A message delivered in the total order.</summary>
    Delivered = 1,
    /// <summary>A new view installed (after every message of the old view this node delivers).</summary>
    ViewChanged = 2,
    /// <summary>Something worth a log line.</summary>
    Log = 3,
    /// <summary>This node has left the cluster; the shell should stop.</summary>
    LeftCluster = 4,

    /// <summary>
    /// One of this node's own messages will not be delivered here, and may or may not have been delivered by members
    /// on the other side of a view change (its old sequencer did not come along into the new view, and this side
    /// never learned the message's place in the order). It is not resubmitted: resubmitting could deliver it twice or
    /// in two different orders. Raised before the view change that ends its view.
    /// </summary>
    OutcomeUnknown = 5,

    /// <summary>
    /// One of this node's own messages, queued after one whose outcome is unknown, handed back unsent: it was never
    /// ordered anywhere. Submit it again (in the order these events come) if it is still wanted.
    /// </summary>
    Returned = 6,

    /// <summary>
    /// A point-to-point message of a service from another member of the current view (wire version 3): not ordered
    /// with anything, delivered at most once, and lost if the datagram is (the service retries where it must).
    /// </summary>
    Direct = 7,
}

/// <summary>An ordered effect for the layer above: a delivery, a view change, a log line.</summary>
public readonly struct MembershipEvent
{
    private MembershipEvent(MembershipEventKind kind, MemberId sender, ulong messageNo, byte[]? payload,
        ViewChange? viewChange, LogLevel level, string? text, ServiceId service = default)
    {
        Kind = kind;
        Service = service;
        Sender = sender;
        MessageNo = messageNo;
        Payload = payload;
        ViewChange = viewChange;
        Level = level;
        Text = text;
    }

    public MembershipEventKind Kind { get; }

    /// <summary>
    /// For <see cref="MembershipEventKind.Delivered"/>, <see cref="MembershipEventKind.OutcomeUnknown"/>,
    /// <see cref="MembershipEventKind.Returned"/> and <see cref="MembershipEventKind.Direct"/>: the service the message
    /// belongs to (its payload is that service's, without the id).
    /// </summary>
    public ServiceId Service { get; }

    /// <summary>For <see cref="MembershipEventKind.Delivered"/> and <see cref="MembershipEventKind.OutcomeUnknown"/>: who sent it.</summary>
    public MemberId Sender { get; }

    /// <summary>For <see cref="MembershipEventKind.Delivered"/> and <see cref="MembershipEventKind.OutcomeUnknown"/>: the sender's message number (per incarnation, from 1; 0 for a control message).</summary>
    public ulong MessageNo { get; }

    /// <summary>For <see cref="MembershipEventKind.Delivered"/> and <see cref="MembershipEventKind.OutcomeUnknown"/>: the message.</summary>
    public byte[]? Payload { get; }

    /// <summary>For <see cref="MembershipEventKind.ViewChanged"/>.</summary>
    public ViewChange? ViewChange { get; }

    /// <summary>For <see cref="MembershipEventKind.Log"/>.</summary>
    public LogLevel Level { get; }

    /// <summary>For <see cref="MembershipEventKind.Log"/>.</summary>
    public string? Text { get; }

    internal static MembershipEvent Delivered(MemberId sender, ulong messageNo, ServiceId service, byte[] payload) =>
        new(MembershipEventKind.Delivered, sender, messageNo, payload, null, default, null, service);

    internal static MembershipEvent Returned(MemberId sender, ServiceId service, byte[] payload) =>
        new(MembershipEventKind.Returned, sender, 0, payload, null, default, null, service);

    internal static MembershipEvent Unknown(MemberId sender, ulong messageNo, ServiceId service, byte[] payload) =>
        new(MembershipEventKind.OutcomeUnknown, sender, messageNo, payload, null, default, null, service);

    internal static MembershipEvent Direct(MemberId sender, ServiceId service, byte[] payload) =>
        new(MembershipEventKind.Direct, sender, 0, payload, null, default, null, service);

    internal static MembershipEvent Changed(ViewChange change) =>
        new(MembershipEventKind.ViewChanged, default, 0, null, change, default, null);

    internal static MembershipEvent Log(LogLevel level, string text) =>
        new(MembershipEventKind.Log, default, 0, null, null, level, text);

    internal static MembershipEvent Left() => new(MembershipEventKind.LeftCluster, default, 0, null, null, default, null);
}

/// <summary>Effects produced by one call into the engine. The shell carries them out, then calls <see cref="Clear"/>.</summary>
/// <remarks>
/// Order matters: first persist <see cref="PersistViewSequence"/> (durably, before any packet leaves, because a
/// proposal with that sequence may be in the packets), then send <see cref="Packets"/>, then hand
/// <see cref="Events"/> to the layer above in order.
/// </remarks>
public sealed class Outbox
{
    /// <summary>Datagrams to send.</summary>
    public List<OutgoingPacket> Packets { get; } = [];

    /// <summary>Ordered events for the layer above.</summary>
    public List<MembershipEvent> Events { get; } = [];

    /// <summary>When set: the view sequence high-water mark to store durably before sending anything.</summary>
    public ulong? PersistViewSequence { get; set; }

    /// <summary>Empties the outbox for reuse.</summary>
    public void Clear()
    {
        Packets.Clear();
        Events.Clear();
        PersistViewSequence = null;
    }
}
