namespace Muster.Wire;

/// <summary>The kind of a cluster packet. Values are part of the wire format: never renumber.</summary>
public enum PacketType : byte
{
    /// <summary>Liveness, view id, acknowledgement and who-I-hear; sent to every configured node.</summary>
    Heartbeat = 1,
    /// <summary>A batch of message fragments from a sender to the view's sequencer.</summary>
    Data = 2,
    /// <summary>A batch of sequenced fragments from the sequencer (or a retransmitting holder).</summary>
    Ordered = 3,
    /// <summary>A receiver's all-received-up-to sequence, to the sequencer.</summary>
    Ack = 4,
    /// <summary>A request to retransmit a range of sequenced fragments.</summary>
    Nack = 5,
    /// <summary>A coordinator proposes a new view: members stop delivering and report their state.</summary>
    Prepare = 6,
    /// <summary>A member's answer to Prepare: promise (or refusal) plus its delivered position.</summary>
    PrepareOk = 7,
    /// <summary>The coordinator tells members of each old view where that view's message stream ends.</summary>
    Sync = 8,
    /// <summary>A member has delivered its old view's stream up to the cut-off.</summary>
    SyncOk = 9,
    /// <summary>The coordinator installs the new view.</summary>
    Install = 10,
    /// <summary>A node leaves the cluster cleanly.</summary>
    Leave = 11,
    /// <summary>A receiver refuses a sender whose cluster name or config version differs.</summary>
    Refuse = 12,
    /// <summary>A point-to-point message of one service to one member of the same view (wire version 3).</summary>
    Service = 13,
}
