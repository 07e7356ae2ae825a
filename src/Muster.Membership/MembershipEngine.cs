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

        peer.LastHeard = now;
        bool ok = header.Type switch
        {
            PacketType.Heartbeat => OnHeartbeat(peer, ref reader, now, outbox),
            PacketType.Data => OnData(peer, ref reader),
            PacketType.Ordered => OnOrdered(peer, ref reader, now, outbox),
            PacketType.Ack => OnAck(peer, ref reader),
            PacketType.Nack => OnNack(peer, ref reader, outbox),
            PacketType.Prepare => OnPrepare(peer, ref reader, now, outbox),
            PacketType.PrepareOk => OnPrepareOk(peer, ref reader, now, outbox),
            PacketType.Sync => OnSync(peer, ref reader, now, outbox),
            PacketType.SyncOk => OnSyncOk(peer, ref reader, now, outbox),
            PacketType.Install => OnInstall(peer, ref reader, now, outbox),
            PacketType.Leave => OnLeave(peer, ref reader, now, outbox),
            PacketType.Refuse => OnRefuse(peer, ref reader, now, outbox),
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
            if (header.Type != PacketType.Refuse && _peers.ContainsKey(source))
            {
                SendRefuse(source, RefuseReason.ClusterName, 0, now, outbox);
            }

            return false;
        }

        if (header.ConfigVersion != _options.ConfigVersion)
        {
            Counters.RefusedConfigVersion++;
            EmitLimited(outbox, now, $"config:{source}", LogLevel.Warning,
                $"refused node {header.Sender}: its config version {header.ConfigVersion} differs from ours ({_options.ConfigVersion})");
            if (header.Type != PacketType.Refuse && _peers.ContainsKey(source))
            {
                SendRefuse(source, RefuseReason.ConfigVersion, _options.ConfigVersion, now, outbox);
            }

            return false;
        }

        if (header.Sender != source || header.Sender == Self.Node || !_peers.ContainsKey(header.Sender))
        {
            // The source address belongs to another node than the header claims (or to us): never trust it.
            Counters.SpoofedSender++;
            EmitLimited(outbox, now, $"spoof:{source}", LogLevel.Warning,
                $"dropped a packet from the address of node {source} claiming to be node {header.Sender}");
            return false;
        }

        if (header.MaxVersion < _options.MinProtocolVersion || header.MinVersion > _options.MaxProtocolVersion)
        {
            Counters.RefusedProtocolVersion++;
            EmitLimited(outbox, now, $"version:{source}", LogLevel.Warning,
                $"refused node {source}: it speaks wire versions {header.MinVersion}..{header.MaxVersion}, we speak " +
                $"{_options.MinProtocolVersion}..{_options.MaxProtocolVersion}");
            if (header.Type != PacketType.Refuse)
            {
                SendRefuse(source, RefuseReason.ProtocolVersion, _options.MaxProtocolVersion, now, outbox);
            }

            return false;
        }

        return true;
    }

    private bool OnRefuse(PeerState peer, ref WireReader reader, Instant now, Outbox outbox)
    {
        if (!Refuse.TryRead(ref reader, out var refuse))
        {
            return false;
        }

        string why = refuse.Reason switch
        {
            RefuseReason.ConfigVersion => $"our config version {_options.ConfigVersion} differs from its {refuse.ReceiverValue}",
            RefuseReason.ClusterName => "our cluster name differs from its",
            _ => $"no wire version in common (it speaks up to {refuse.ReceiverValue})",
        };
        EmitLimited(outbox, now, $"refused-by:{peer.Node}", LogLevel.Warning, $"node {peer.Node} refuses us: {why}");
        return true;
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

        var w = Begin(PacketType.Refuse, Refuse.Size, out byte[] buffer);
        new Refuse(reason, value).Write(ref w);
        Send(to, buffer, w.Position, outbox);
    }

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
