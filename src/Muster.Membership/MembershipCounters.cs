namespace Muster.Membership;

/// <summary>Counters of the membership engine (visible in <c>muster status</c>).</summary>
public sealed class MembershipCounters
{
    public long PacketsReceived;
    public long PacketsSent;
    public long Malformed;
    public long RefusedOtherCluster;
    public long RefusedConfigVersion;
    public long RefusedProtocolVersion;
    public long RefusedNodeList;
    public long SpoofedSender;
    public long StaleIncarnation;
    public long WrongView;
    public long ViewChanges;
    public long ViewChangeAttempts;
    public long MessagesDelivered;
    public long BytesDelivered;
    public long FragmentsSequenced;
    public long DataRetransmits;
    public long OrderedRetransmits;
    public long NacksSent;
    public long SubmitsRejected;
    public long Reassembly;
    public long DataOutOfOrder;
    public long DataWindowFull;
    public long PreparesIgnored;

    /// <summary>Own messages given up at a view change with "outcome unknown" (their sequencer stayed behind).</summary>
    public long OutcomeUnknown;

    /// <summary>Own messages handed back unsent at such a view change, to be submitted again in order.</summary>
    public long Returned;

    /// <summary>Point-to-point service messages sent (or delivered to this node itself).</summary>
    public long DirectSent;

    /// <summary>Point-to-point service messages received from members of the current view.</summary>
    public long DirectReceived;

    /// <summary>Point-to-point messages refused because too many were queued.</summary>
    public long DirectRejected;

    /// <summary>Queued point-to-point messages dropped because the view they were for ended first.</summary>
    public long DirectDropped;

    /// <summary>Name/value pairs in a stable order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
    [
        new("packets_received", PacketsReceived),
        new("packets_sent", PacketsSent),
        new("malformed_packets", Malformed),
        new("refused_other_cluster", RefusedOtherCluster),
        new("refused_config_version", RefusedConfigVersion),
        new("refused_protocol_version", RefusedProtocolVersion),
        new("refused_node_list", RefusedNodeList),
        new("spoofed_sender", SpoofedSender),
        new("stale_incarnation", StaleIncarnation),
        new("wrong_view", WrongView),
        new("view_changes", ViewChanges),
        new("view_change_attempts", ViewChangeAttempts),
        new("prepares_ignored", PreparesIgnored),
        new("messages_delivered", MessagesDelivered),
        new("bytes_delivered", BytesDelivered),
        new("fragments_sequenced", FragmentsSequenced),
        new("data_retransmits", DataRetransmits),
        new("ordered_retransmits", OrderedRetransmits),
        new("nacks_sent", NacksSent),
        new("submits_rejected", SubmitsRejected),
        new("messages_outcome_unknown", OutcomeUnknown),
        new("messages_returned", Returned),
        new("reassembly_errors", Reassembly),
        new("data_out_of_order", DataOutOfOrder),
        new("data_window_full", DataWindowFull),
        new("direct_sent", DirectSent),
        new("direct_received", DirectReceived),
        new("direct_rejected", DirectRejected),
        new("direct_dropped", DirectDropped),
    ];
}
