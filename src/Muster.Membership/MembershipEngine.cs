using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Membership;

/// <summary>
/// The membership and total-order protocol of one node, as a pure state machine: inputs (a packet, a tick, a local
/// submit, a leave) come in with the current <see cref="Instant"/>; effects (packets, deliveries, view changes,
/// log lines) go out through an <see cref="Outbox"/>. It never touches a socket, a clock, a thread or a random source.
/// </summary>
/// <remarks>
/// <para>Design (see docs/protocol.md): a fixed sequencer per view (the view's coordinator, its lowest node) assigns
/// one sequence to every fragment; members deliver in sequence order. View changes use a flush in three phases
/// (Prepare, Sync, Install), as in Viewstamped Replication and JGroups, so Extended Virtual Synchrony holds.</para>
/// <para>Invariants (the simulator checks them after every step, in these words):
/// <list type="number">
/// <item>A view id names one member list, everywhere.</item>
/// <item>On each node, installed view ids strictly increase.</item>
/// <item>In one view, every node delivers a prefix of the same sequence of messages.</item>
/// <item>Nodes that install the same next view after the same view delivered the same messages in it.</item>
/// <item>Each sender's messages are delivered in the order sent, at most once per node.</item>
/// <item>A node never moves from a view holding one incarnation of a node to a view holding another.</item>
/// </list></para>
/// </remarks>
public sealed partial class MembershipEngine
{
    // How far ahead of the persisted view-sequence mark we may go before persisting again.
    private const ulong ViewSequenceReserve = 64;

    private readonly MembershipOptions _options;
    private readonly uint _clusterHash;
    private readonly Dictionary<NodeId, PeerState> _peers = [];
    private readonly NodeId[] _configured;
    // Our node list as peers compare it (sorted by node id), and its digest, carried in every heartbeat.
    private readonly NodeListEntry[] _nodeList;
    private readonly ulong _nodeListDigest;
    private readonly Dictionary<(NodeId Node, RefusalDirection Direction), PeerRefusal> _refusals = [];
    private readonly RateLimiter _logLimiter = new(TimeSpan.FromSeconds(5));

    private View? _view;
    private NodeState _state = NodeState.Joining;
    private Instant _startedAt;
    private bool _joinTimerFired;
    private Instant _nextHeartbeat;
    private Instant _nextRetransmit;
    private ulong _maxViewSequence;
    private ulong _persistedViewSequence;

    /// <summary>Creates the engine for one incarnation of a node.</summary>
    /// <param name="self">This node and its incarnation (a counter persisted by the shell, larger at every start).</param>
    /// <param name="options">Timing, limits and the node list.</param>
    /// <param name="persistedViewSequence">The view-sequence mark persisted by an earlier incarnation (0 if none).</param>
    public MembershipEngine(MemberId self, MembershipOptions options, ulong persistedViewSequence)
    {
        options.Validate();
        if (!options.Nodes.Contains(self.Node))
        {
            throw new ArgumentException($"node {self.Node} is not in the node list", nameof(self));
        }

        Self = self;
        _options = options;
        _clusterHash = WireProtocol.ClusterHash(options.ClusterName);
        _configured = [.. options.Nodes.Distinct().Order()];
        _nodeList = [.. _configured.Select(n => new NodeListEntry(n, options.NodeEntryHashes?.GetValueOrDefault(n) ?? 0))];
        _nodeListDigest = Wire.NodeListDigest.Compute(_nodeList);
        foreach (var node in _configured)
        {
            if (node != self.Node)
            {
                _peers[node] = new PeerState(node);
            }
        }

        // Anything at or below the persisted mark may have been used by an earlier incarnation.
        _maxViewSequence = persistedViewSequence;
        _persistedViewSequence = persistedViewSequence;
    }

    /// <summary>This node's identity.</summary>
    public MemberId Self { get; }

    /// <summary>The installed view, or null before the first.</summary>
    public View? CurrentView => _view;

    /// <summary>Where the node is in the protocol.</summary>
    public NodeState State => _state;

    /// <summary>Counters for status output.</summary>
    public MembershipCounters Counters { get; } = new();

    /// <summary>The options this engine runs with.</summary>
    public MembershipOptions Options => _options;

    /// <summary>The digest of this node's node list, which every heartbeat carries (see <see cref="Wire.NodeListDigest"/>).</summary>
    public ulong NodeListDigest => _nodeListDigest;

    /// <summary>
    /// Why packets between this node and other configured nodes are refused: the latest refusal per peer and
    /// direction. An entry goes away when that peer's packets are accepted again; the shell decides how old an entry
    /// may be to still count (by <see cref="PeerRefusal.LastSeen"/>).
    /// </summary>
    public IReadOnlyCollection<PeerRefusal> Refusals => _refusals.Values;

    /// <summary>The earliest instant at which <see cref="Tick"/> has work to do.</summary>
    public Instant NextDeadline
    {
        get
        {
            if (_state == NodeState.Left)
            {
                return Instant.Never;
            }

            Instant next = _nextHeartbeat;
            if (HasRetransmitWork() && _nextRetransmit < next)
            {
                next = _nextRetransmit;
            }

            if (!_joinTimerFired && _startedAt + _options.JoinTimeout < next)
            {
                next = _startedAt + _options.JoinTimeout;
            }

            return next;
        }
    }

    /// <summary>Starts the protocol: the first heartbeats go out, and the join timer starts.</summary>
    public void Start(Instant now, Outbox outbox)
    {
        _startedAt = now;
        _nextHeartbeat = now;
        _nextRetransmit = now + _options.RetransmitInterval;
        Emit(outbox, LogLevel.Info, $"node {Self} starting; waiting up to {_options.JoinTimeout.TotalMilliseconds} ms to join a view");
        Tick(now, outbox);
    }

    /// <summary>Runs timers due at <paramref name="now"/>: heartbeats, failure detection, retransmissions, view-change deadlines.</summary>
    public void Tick(Instant now, Outbox outbox)
    {
        if (_state == NodeState.Left)
        {
            return;
        }

        if (now >= _nextHeartbeat)
        {
            SendHeartbeats(now, outbox);
            _nextHeartbeat = now + _options.HeartbeatInterval;
        }

        if (!_joinTimerFired && now >= _startedAt + _options.JoinTimeout)
        {
            _joinTimerFired = true;
        }

        bool retransmitDue = now >= _nextRetransmit;
        if (retransmitDue)
        {
            _nextRetransmit = now + _options.RetransmitInterval;
            RetransmitTick(now, outbox);
        }

        ViewChangeTick(now, retransmitDue, outbox);
        Evaluate(now, outbox);
        Pump(now, outbox);
    }

    /// <summary>Submits and sends what local callers queued since the last input (call after a batch of submits).</summary>
    public void Flush(Instant now, Outbox outbox)
    {
        if (_state != NodeState.Left)
        {
            Pump(now, outbox);
        }
    }

    /// <summary>Handles one datagram. <paramref name="source"/> is the node the shell mapped the source address to.</summary>
    public void OnPacket(NodeId source, ReadOnlySpan<byte> datagram, Instant now, Outbox outbox)
    {
        if (_state == NodeState.Left)
        {
            return;
        }

        Counters.PacketsReceived++;
        var reader = new WireReader(datagram);
        if (!PacketHeader.TryRead(ref reader, out var header, out string? error))
        {
            Counters.Malformed++;
            EmitLimited(outbox, now, $"malformed:{source}", LogLevel.Warning, $"dropped a malformed packet from node {source}: {error}");
            return;
        }

        if (!CheckHeader(source, header, now, outbox))
        {
            return;
        }

        var peer = _peers[header.Sender];
        if (header.Type == PacketType.Refuse)
        {
            // Says nothing about the sender's liveness in our cluster.
            if (!OnRefuse(peer, ref reader, now, outbox))
            {
                Counters.Malformed++;
            }

            return;
        }

        if (!CheckNodeList(peer, header.Type, datagram[(datagram.Length - reader.Remaining)..], now, outbox))
        {
            return;
        }

        if (_refusals.Count != 0)
        {
            // Its packets pass every check, so whatever was refused before has been fixed (on either side).
            _refusals.Remove((peer.Node, RefusalDirection.Inbound));
            _refusals.Remove((peer.Node, RefusalDirection.Outbound));
        }

        if (header.Incarnation < peer.Incarnation)
        {
            // An old incarnation's packets must never be acted on once a newer one has been heard.
            Counters.StaleIncarnation++;
            return;
        }

        if (header.Incarnation > peer.Incarnation)
        {
            if (peer.Incarnation != 0)
            {
                Emit(outbox, LogLevel.Info, $"node {peer.Node} restarted: incarnation {peer.Incarnation} -> {header.Incarnation}");
            }

            peer.Incarnation = header.Incarnation;
            peer.View = ViewId.None;
            peer.State = NodeState.Joining;
            peer.Heard = [];
            peer.ExcludedUntil = Instant.Zero;
            peer.BothWaysSince = Instant.Never;
        }

        if (peer.LeftIncarnation == peer.Incarnation && header.Type != PacketType.Leave)
        {
            // It said it was leaving; stray packets from it must not bring it back.
            return;
        }

        if (now - peer.LastHeard >= _options.FailureTimeout)
        {
            // It was silent for a failure timeout: whatever connection we had has been broken since.
            peer.BothWaysSince = Instant.Never;
        }

        if (now - _lastReceived > _options.HeartbeatInterval * 2)
        {
            // We heard no one for two heartbeats: we were cut off (or stalled), not they.
            _receiveGapStart = _lastReceived;
            _receiveGapEnd = now;
        }

        _lastReceived = now;

        if (peer.LastHeard.Ticks != long.MinValue / 2 && now - peer.LastHeard > _options.FailureTimeout / 2)
        {
            // Silent for more than half a failure timeout: longer than loss alone makes it (several heartbeats in a
            // row), long enough for a cut on its side to have made others look failed to it (DecidedAcrossACut).
            peer.CutFor = now - peer.LastHeard;
            peer.HeardAgainAt = now;
        }

        peer.LastHeard = now;
        bool ok = header.Type switch
        {
            PacketType.Heartbeat => OnHeartbeat(peer, ref reader, now, outbox),
            PacketType.Data => OnData(peer, ref reader, header.Version),
            PacketType.Ordered => OnOrdered(peer, ref reader, header.Version, now, outbox),
            PacketType.Ack => OnAck(peer, ref reader),
            PacketType.Nack => OnNack(peer, ref reader, outbox),
            PacketType.Prepare => OnPrepare(peer, ref reader, now, outbox),
            PacketType.PrepareOk => OnPrepareOk(peer, ref reader, now, outbox),
            PacketType.Sync => OnSync(peer, ref reader, now, outbox),
            PacketType.SyncOk => OnSyncOk(peer, ref reader, now, outbox),
            PacketType.Install => OnInstall(peer, ref reader, now, outbox),
            PacketType.Leave => OnLeave(peer, ref reader, now, outbox),
            PacketType.Refuse => OnRefuse(peer, ref reader, now, outbox),
            PacketType.Service => OnDirect(peer, ref reader, header.Version, outbox),
            _ => false,
        };

        if (!ok)
        {
            Counters.Malformed++;
            EmitLimited(outbox, now, $"malformed:{source}", LogLevel.Warning,
                $"dropped a malformed {header.Type} packet from node {header.Sender}");
            return;
        }

        Pump(now, outbox);
    }

    private bool CheckHeader(NodeId source, in PacketHeader header, Instant now, Outbox outbox)
    {
        if (header.Type == PacketType.Refuse)
        {
            // A refusal necessarily comes from a node whose settings differ from ours: it is exempt from the checks
            // below (otherwise the refused side would never learn why), but must still come from that node's address.
            return header.Sender == source && _peers.ContainsKey(source);
        }

        if (header.ClusterHash != _clusterHash)
        {
            Counters.RefusedOtherCluster++;
            EmitLimited(outbox, now, $"cluster:{source}", LogLevel.Warning,
                $"refused packets from node {source}: it belongs to another cluster (cluster name differs from '{_options.ClusterName}')");
            if (_peers.ContainsKey(source))
            {
                if (NoteRefusal(source, RefusalDirection.Inbound, RefuseReason.ClusterName, header.ClusterHash, now) is { } fresh)
                {
                    fresh.Detail = $"we refuse its packets: it belongs to another cluster (its cluster name differs from '{_options.ClusterName}')";
                }

                SendRefuse(source, RefuseReason.ClusterName, 0, now, outbox);
            }

            return false;
        }

        if (header.ConfigVersion != _options.ConfigVersion)
        {
            Counters.RefusedConfigVersion++;
            EmitLimited(outbox, now, $"config:{source}", LogLevel.Warning,
                $"refused node {header.Sender}: its config version {header.ConfigVersion} differs from ours ({_options.ConfigVersion})");
            if (_peers.ContainsKey(source))
            {
                if (NoteRefusal(source, RefusalDirection.Inbound, RefuseReason.ConfigVersion, header.ConfigVersion, now) is { } fresh)
                {
                    fresh.Detail = $"we refuse its packets: its config version {header.ConfigVersion} differs from ours ({_options.ConfigVersion})";
                }

                SendRefuse(source, RefuseReason.ConfigVersion, _options.ConfigVersion, now, outbox);
            }

            return false;
        }

        if (header.Sender != source || header.Sender == Self.Node || !_peers.ContainsKey(header.Sender))
        {
            // The source address belongs to another node than the header claims (or to us): never trust it. Between
            // nodes that hold the cluster key this means the node lists map ids to addresses differently.
            Counters.SpoofedSender++;
            bool unknown = !_peers.ContainsKey(header.Sender) && header.Sender != Self.Node;
            EmitLimited(outbox, now, $"spoof:{source}", LogLevel.Warning,
                $"dropped a packet from the address of node {source} claiming to be node {header.Sender}" +
                (unknown ? ", which is not in our node list: the node lists differ" : ""));
            // The claimed sender (tagged with bit 32) as the value: another claimed sender makes a new entry, with its own text.
            if (_peers.ContainsKey(source) &&
                NoteRefusal(source, RefusalDirection.Inbound, RefuseReason.NodeList, header.Sender.Value | (1UL << 32), now) is { } fresh)
            {
                fresh.Detail = $"we drop packets from its address that name node {header.Sender} as their sender" +
                    (unknown ? ", which is not in our node list: the node lists differ" : ": the node lists map ids to addresses differently");
            }

            return false;
        }

        if (header.MaxVersion < _options.MinProtocolVersion || header.MinVersion > _options.MaxProtocolVersion)
        {
            Counters.RefusedProtocolVersion++;
            EmitLimited(outbox, now, $"version:{source}", LogLevel.Warning,
                $"refused node {source}: it speaks wire versions {header.MinVersion}..{header.MaxVersion}, we speak " +
                $"{_options.MinProtocolVersion}..{_options.MaxProtocolVersion}");
            if (NoteRefusal(source, RefusalDirection.Inbound, RefuseReason.ProtocolVersion,
                    ((ulong)header.MinVersion << 8) | header.MaxVersion, now) is { } fresh)
            {
                fresh.Detail = $"we refuse its packets: it speaks wire versions {header.MinVersion}..{header.MaxVersion}, we speak " +
                    $"{_options.MinProtocolVersion}..{_options.MaxProtocolVersion}";
            }

            SendRefuse(source, RefuseReason.ProtocolVersion, _options.MaxProtocolVersion, now, outbox);
            return false;
        }

        return true;
    }

    // The node-list digest travels in heartbeats (wire version 2). A peer whose heartbeat carries another digest is
    // refused like one with another config version, and so is everything else it sends until a heartbeat matches.
    private bool CheckNodeList(PeerState peer, PacketType type, ReadOnlySpan<byte> body, Instant now, Outbox outbox)
    {
        if (type == PacketType.Heartbeat)
        {
            if (!Heartbeat.TryReadNodeListDigest(body, out ulong digest))
            {
                // Malformed: the heartbeat handler counts and logs it.
                return true;
            }

            peer.NodeListDiffers = digest != _nodeListDigest;
            if (!peer.NodeListDiffers)
            {
                return true;
            }

            var fresh = NoteRefusal(peer.Node, RefusalDirection.Inbound, RefuseReason.NodeList, digest, now);
            bool log = _logLimiter.TryAcquire($"nodelist:{peer.Node}", now, out long suppressed);
            if (fresh is not null || log)
            {
                // Formatted only for a new refusal or a log line: a heartbeat every 100 ms must not build text each time.
                string difference = peer.ListedNodes is { } theirs
                    ? DescribeNodeLists(theirs)
                    : $"its digest {digest:x16}, ours {_nodeListDigest:x16}";
                if (fresh is not null)
                {
                    fresh.Detail = $"we refuse its packets: its node list differs from ours ({difference})";
                }

                if (log)
                {
                    string text = $"refused node {peer.Node}: its node list differs from ours ({difference})";
                    Emit(outbox, LogLevel.Warning, suppressed > 0 ? $"{text} ({suppressed} similar suppressed)" : text);
                }
            }

            SendRefuse(peer.Node, RefuseReason.NodeList, _nodeListDigest, now, outbox);
        }
        else if (!peer.NodeListDiffers)
        {
            return true;
        }
        else if (_refusals.TryGetValue((peer.Node, RefusalDirection.Inbound), out var refusal))
        {
            refusal.LastSeen = now;
            refusal.Count++;
        }

        Counters.RefusedNodeList++;
        return false;
    }

    private bool OnRefuse(PeerState peer, ref WireReader reader, Instant now, Outbox outbox)
    {
        if (!Refuse.TryRead(ref reader, out var refuse) || refuse is null)
        {
            return false;
        }

        if (refuse.Reason == RefuseReason.NodeList)
        {
            // Its entries let both sides name the nodes that differ; kept only when they are its whole list.
            peer.ListedNodes = Wire.NodeListDigest.Compute(refuse.Nodes) == refuse.ReceiverValue ? refuse.Nodes : null;
            if (peer.ListedNodes is { } listed && _refusals.TryGetValue((peer.Node, RefusalDirection.Inbound), out var ours) &&
                ours.Reason == RefuseReason.NodeList)
            {
                ours.Detail = $"we refuse its packets: its node list differs from ours ({DescribeNodeLists(listed)})";
            }
        }

        string why = refuse.Reason switch
        {
            RefuseReason.ConfigVersion => $"our config version {_options.ConfigVersion} differs from its {refuse.ReceiverValue}",
            RefuseReason.ClusterName => "our cluster name differs from its",
            RefuseReason.NodeList => peer.ListedNodes is { } theirs
                ? $"its node list differs from ours ({DescribeNodeLists(theirs)})"
                : $"its node list differs from ours (it lists {refuse.Nodes.Length} or more nodes; we list {_nodeList.Length})",
            _ => $"no wire version in common (it speaks up to {refuse.ReceiverValue})",
        };
        EmitLimited(outbox, now, $"refused-by:{peer.Node}", LogLevel.Warning, $"node {peer.Node} refuses us: {why}");
        if (NoteRefusal(peer.Node, RefusalDirection.Outbound, refuse.Reason, refuse.ReceiverValue, now) is { } fresh)
        {
            fresh.Detail = $"it refuses our packets: {why}";
        }

        return true;
    }

    // "it lists nodes 1,3; we list 1,2,3", plus the nodes both list with another name or other addresses.
    private string DescribeNodeLists(NodeListEntry[] theirs)
    {
        var ours = _nodeList.ToDictionary(e => e.Node, e => e.Hash);
        var sorted = theirs.Select(e => e.Node).Order().ToList();
        var changed = theirs.Where(e => ours.TryGetValue(e.Node, out uint hash) && hash != e.Hash).Select(e => e.Node).Order().ToList();
        string text = sorted.SequenceEqual(_configured)
            ? $"it lists the same nodes, {string.Join(',', _configured)}"
            : $"it lists nodes {string.Join(',', sorted)}; we list {string.Join(',', _configured)}";
        if (changed.Count > 0)
        {
            text += changed.Count == 1
                ? $"; node {changed[0]} has another name or other addresses there"
                : $"; nodes {string.Join(',', changed)} have another name or other addresses there";
        }

        return text;
    }

    // Records a refusal; returns the entry when it is new (the caller fills in its detail), null when an entry for the
    // same reason and value was only brought up to date, so a stream of refused packets formats no text.
    private PeerRefusal? NoteRefusal(NodeId node, RefusalDirection direction, RefuseReason reason, ulong value, Instant now)
    {
        if (_refusals.TryGetValue((node, direction), out var entry) && entry.Reason == reason && entry.Value == value)
        {
            entry.LastSeen = now;
            entry.Count++;
            return null;
        }

        entry = new PeerRefusal(node, direction, reason, value, now);
        _refusals[(node, direction)] = entry;
        return entry;
    }

    /// <summary>Leaves the cluster at once: members are told, so they install a view without us without waiting for a timeout.</summary>
    public void Leave(Instant now, Outbox outbox)
    {
        if (_state == NodeState.Left)
        {
            return;
        }

        Emit(outbox, LogLevel.Info, $"node {Self} leaving the cluster");
        var targets = _view is null ? _configured.Where(n => n != Self.Node) : _view.Members.Select(m => m.Node).Where(n => n != Self.Node);
        foreach (var node in targets)
        {
            // Sent twice: a lost Leave only costs the others a failure timeout, but the report would say "failed".
            for (int i = 0; i < 2; i++)
            {
                var w = Begin(PacketType.Leave, Wire.Messages.Leave.Size, out byte[] buffer);
                new Leave(_view?.Id ?? ViewId.None).Write(ref w);
                Send(node, buffer, w.Position, outbox);
            }
        }

        _state = NodeState.Left;
        outbox.Events.Add(MembershipEvent.Left());
    }

    private bool OnLeave(PeerState peer, ref WireReader reader, Instant now, Outbox outbox)
    {
        if (!Wire.Messages.Leave.TryRead(ref reader, out _))
        {
            return false;
        }

        if (peer.LeftIncarnation != peer.Incarnation)
        {
            peer.LeftIncarnation = peer.Incarnation;
            Emit(outbox, LogLevel.Info, $"node {peer.Node}#{peer.Incarnation} announced a clean leave");
            OnPeerGone(peer.Node, outbox);
            Evaluate(now, outbox);
        }

        return true;
    }

    private static void Emit(Outbox outbox, LogLevel level, string text) => outbox.Events.Add(MembershipEvent.Log(level, text));

    private void EmitLimited(Outbox outbox, Instant now, string key, LogLevel level, string text)
    {
        if (_logLimiter.TryAcquire(key, now, out long suppressed))
        {
            Emit(outbox, level, suppressed > 0 ? $"{text} ({suppressed} similar suppressed)" : text);
        }
    }

    private WireWriter Begin(PacketType type, int bodySize, out byte[] buffer)
    {
        buffer = new byte[WireProtocol.HeaderSize + bodySize];
        var writer = new WireWriter(buffer);
        byte version = _view?.ProtocolVersion ?? _options.MaxProtocolVersion;
        new PacketHeader(version, type, _options.MinProtocolVersion, _options.MaxProtocolVersion, _clusterHash, Self.Node,
            _options.ConfigVersion, Self.Incarnation).Write(ref writer);
        return writer;
    }

    private void Send(NodeId to, byte[] buffer, int length, Outbox outbox)
    {
        Counters.PacketsSent++;
        outbox.Packets.Add(new OutgoingPacket(to, buffer, length));
    }

    private void SendRefuse(NodeId to, RefuseReason reason, ulong value, Instant now, Outbox outbox)
    {
        if (!_logLimiter.TryAcquire($"refuse-send:{to}:{reason}", now, out _))
        {
            return;
        }

        NodeListEntry[] nodes = [];
        if (reason == RefuseReason.NodeList)
        {
            // As many of our entries as fit one datagram: enough for the receiver to name the nodes that differ in
            // any cluster of up to about 160 nodes at the default datagram size.
            int fit = (_options.MaxDatagramSize - WireProtocol.HeaderSize - Refuse.FixedSize) / Refuse.EntrySize;
            nodes = _nodeList.Length <= fit ? _nodeList : _nodeList[..fit];
        }

        var refuse = new Refuse(reason, value, nodes);
        var w = Begin(PacketType.Refuse, refuse.EncodedSize, out byte[] buffer);
        refuse.Write(ref w);
        Send(to, buffer, w.Position, outbox);
    }

    // The last packet from any peer, and the last gap of two heartbeats or more in which none arrived.
    private Instant _lastReceived = new(long.MinValue / 2);
    private Instant _receiveGapStart = new(long.MinValue / 2);
    private Instant _receiveGapEnd = new(long.MinValue / 2);

    private bool IsAlive(PeerState peer, Instant now) =>
        peer.Incarnation != 0 && peer.LeftIncarnation != peer.Incarnation && now - peer.LastHeard < _options.FailureTimeout;

    /// <summary>One line of internal state for diagnostics (simulator failures, debug logs).</summary>
    public string DescribeState() =>
        $"{Self} {_state} view={_view?.Id} promised={_promised} delivered={_delivered} highest={_highestKnown} " +
        $"stable={_stable} next={_nextSequence} log={_log.Count} inflight={_inflight.Count} queued={_sendQueue.Count} " +
        $"pendingBytes={_pendingBytes} submitSeq={_submitSequence} attempt={_attempt?.Proposal} " +
        $"retx={Counters.DataRetransmits} ooo={Counters.DataOutOfOrder} full={Counters.DataWindowFull} rx={Counters.PacketsReceived} wrongView={Counters.WrongView} malformed={Counters.Malformed} lastProgress={_lastDataProgress} nextRetx={_nextRetransmit} " +
        $"inflightFront={(_inflight.Count > 0 ? _inflight.Peek().SubmitSeq : 0)} expected=[{string.Join(',', _expectedSubmit.Select(e => $"{e.Key}:{e.Value}"))}]";

    /// <summary>Effective timing, for status output.</summary>
    public IReadOnlyList<KeyValuePair<string, TimeSpan>> EffectiveTimeouts() =>
    [
        new("heartbeat_interval", _options.HeartbeatInterval),
        new("failure_timeout", _options.FailureTimeout),
        new("consensus_timeout", _options.ConsensusTimeout),
        new("join_timeout", _options.JoinTimeout),
        new("retransmit_interval", _options.RetransmitInterval),
        new("expected_failure_detection", _options.FailureTimeout + _options.HeartbeatInterval),
    ];
}
