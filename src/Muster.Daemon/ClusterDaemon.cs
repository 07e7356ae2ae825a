using Microsoft.Extensions.Logging;
using Muster.Configuration;
using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Diagnostics;
using Muster.Daemon.Host;
using Muster.Daemon.Logging;
using Muster.Ipc;
using Muster.Ipc.Contracts;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node.Quorum;
using Muster.Node.Fencing;
using Muster.Node;
using Muster.Node.Services;
using Muster.Security;
using Muster.Transport;
using Muster.Wire;

namespace Muster.Daemon;

/// <summary>
/// The daemon shell: one event loop thread runs the membership engine and the group layer; the transport's receive
/// thread and the IPC server only post inputs to it. Effects are carried out in the order the engine gives them:
/// persist, send, deliver.
/// </summary>
internal sealed partial class ClusterDaemon : IDisposable, INodeEffects
{
    private const string Category = "musterd";

    private readonly ClusterConfig _config;
    private readonly NodeConfig _local;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly ILogger _membershipLog;
    private readonly InputQueue _queue = new(packetCapacity: 16_384);
    private readonly Dictionary<int, IpcSession> _sessions = [];
    private readonly Dictionary<int, TrackFlags> _trackers = [];
    private readonly Queue<DaemonInput> _blocked = new();
    private readonly Dictionary<int, int> _blockedPerSession = [];
    private long _requestsHeld;
    private readonly IpcWriteBatch _writes = new();
    private readonly Dictionary<NodeId, ViewId> _joinedIn = [];
    private readonly RateLimiter _limiter = new(TimeSpan.FromSeconds(5));
    private readonly Func<ulong> _nextIncarnation;
    private readonly Action<ulong> _storeViewMark;
    private readonly ulong _viewMark;

    private ClusterNode _node = null!;
    // The instant of the input the node is handling (its effects handlers need it).
    private Instant _now;
    private IClusterTransport _transport = null!;
    private readonly TransportFactory _transports;
    // The one clock of the shell; every Instant the node sees comes from it (see ShellClock).
    private readonly TimeProvider _time;
    private IpcServer _ipc = null!;
    private bool _stop;
    private int _exitCode;
    private StallMonitor _stalls = null!;
    // The Prometheus endpoint ([metrics] listen), bound before the node starts so a taken port is a start-up error.
    private PrometheusEndpoint? _prometheus;
    private DaemonMetrics? _metrics;
    private Instant _nextMetricsPublish;

    /// <param name="loggers">Where every part of the daemon logs (categories musterd, membership, link, security, and
    /// those of the transport, IPC server and host pieces).</param>
    /// <param name="time">The daemon's one clock: the loop, the IPC server and the stall monitor read it, and the
    /// transport factory is expected to hand it to the transport (musterd: <see cref="TimeProvider.System"/>).</param>
    /// <param name="transports">Makes the transport when <see cref="Run"/> starts (musterd: UDP, see
    /// <see cref="DaemonTransports.Udp"/>; tests: an in-memory network).</param>
    /// <param name="keys">The cluster keys; null when the configuration turns encryption off.</param>
    /// <param name="notifier">systemd's notification socket, when run by systemd with <c>Type=notify</c>.</param>
    public ClusterDaemon(ClusterConfig config, NodeConfig local, ILoggerFactory loggers, TimeProvider time,
        TransportFactory transports, Func<ulong> nextIncarnation, ulong viewMark, Action<ulong> storeViewMark, KeyRing? keys,
        SystemdNotifier? notifier = null)
    {
        _time = time;
        _transports = transports;
        _notifier = notifier;
        _keys = keys;
        _config = config;
        _local = local;
        _loggers = loggers;
        _log = loggers.CreateLogger(Category);
        _membershipLog = loggers.CreateLogger("membership");
        _linkLog = loggers.CreateLogger(LinkCategory);
        _securityLog = loggers.CreateLogger(SecurityCategory);
        _nextIncarnation = nextIncarnation;
        _viewMark = viewMark;
        _storeViewMark = storeViewMark;
    }

    /// <summary>Asks the loop to leave the cluster cleanly and exit (SIGTERM, SIGINT).</summary>
    public void RequestLeave() => _queue.Enqueue(new DaemonInput(InputKind.Leave));

    public static MembershipOptions EngineOptions(ClusterConfig config) => new()
    {
        ClusterName = config.ClusterName,
        ConfigVersion = config.ConfigVersion,
        Nodes = [.. config.Nodes.Select(n => n.NodeId)],
        // Names and addresses count too: nodes whose lists differ in any of them refuse each other and say so.
        NodeEntryHashes = config.Nodes.ToDictionary(n => n.NodeId, n => NodeListDigest.EntryHash(n.NodeId, n.Name, n.Endpoints)),
        HeartbeatInterval = config.Timing.HeartbeatInterval,
        FailureTimeout = config.Timing.FailureTimeout,
        ConsensusTimeout = config.Timing.ConsensusTimeout,
        JoinTimeout = config.Timing.JoinTimeout,
        RetransmitInterval = config.Timing.RetransmitInterval,
        // Sealing adds its envelope and tag to every packet, and the result must still fit the smallest link's
        // datagram budget, so any packet (and any fragment of a large message) can fail over to any link.
        MaxDatagramSize = config.DatagramBudget - ProtectionOverhead(config.Security.Encrypt),
        // Room for the group layer's header (operation, group name, pid) on top of the largest payload.
        MaxMessageSize = config.Limits.MaxMessageSize + 256,
        SendWindow = config.Limits.SendWindow,
        SequencerWindow = config.Limits.SequencerWindow,
        MaxPendingBytes = Math.Max(config.Limits.MaxPendingBytes, config.Limits.MaxMessageSize + 256),
    };

    /// <summary>Runs until the node leaves the cluster. Returns the process exit code.</summary>
    public int Run()
    {
        ulong incarnation = _nextIncarnation();
        var self = new MemberId(_local.NodeId, incarnation);
        StartProtection(incarnation);
        _quorumOptions = QuorumSetup.Resolve(_config, warning => DaemonLog.QuorumConfigAdjusted(_log, warning));
        var fencing = FencingSetup.ToOptions(_config);
        _node = new ClusterNode(self, EngineOptions(_config), _viewMark, this, maxGroupPayload: _config.Limits.MaxMessageSize,
            services: [host => new QuorumService(host, _quorumOptions), host => new FencingService(host, fencing)]);

        _transport = _transports(_config.System.SchedRr ? () => RaisePriority("receive") : null);

        StartLinks(_time.GetInstant());
        _ipc = new IpcServer(IpcOptions(), new IpcBridge(_queue), _loggers);
        try
        {
            if (_config.Metrics.Listen is { } listen)
            {
                _prometheus = new PrometheusEndpoint(listen, DaemonMetrics.MeterName, _loggers, _time);
            }

            _transport.Start(_queue.EnqueuePacket);
            _ipc.Start();
            string endpoints = string.Join(", ", _local.Endpoints);
            DaemonLog.Listening(_log, _local.Name, self, _config.ClusterName, endpoints, _config.Ipc.SocketPath,
                _config.Timing.ProfileName, _config.Timing.FailureTimeout.TotalMilliseconds);
            Loop();
        }
        finally
        {
            // Fence agents still running or waiting out their delay are abandoned (killed) with the daemon.
            _stopping.Cancel();
            _prometheus?.Dispose();
            _metrics?.Dispose();
            _ipc.StopAsync().GetAwaiter().GetResult();
            _transport.Dispose();
            _protector?.Dispose();
        }

        return _exitCode;
    }

    private IpcServerOptions IpcOptions()
    {
        var users = new List<uint>();
        foreach (string user in _config.Ipc.AllowedUsers)
        {
            users.Add(UnixAccounts.TryGetUserId(user, out uint uid)
                ? uid
                : throw new ConfigException(_config.SourcePath ?? "config", 0, "ipc.allowed_users", $"unknown user '{user}'"));
        }

        var groups = new List<uint>();
        foreach (string group in _config.Ipc.AllowedGroups)
        {
            groups.Add(UnixAccounts.TryGetGroupId(group, out uint gid)
                ? gid
                : throw new ConfigException(_config.SourcePath ?? "config", 0, "ipc.allowed_groups", $"unknown group '{group}'"));
        }

        // The daemon's own user may always connect (the CLI run by the same user that started the daemon).
        users.Add(UnixAccounts.CurrentUserId);
        return new IpcServerOptions
        {
            SocketPath = _config.Ipc.SocketPath,
            SocketMode = (UnixFileMode)_config.Ipc.SocketMode,
            SocketGroup = _config.Ipc.SocketGroup,
            AllowedUserIds = users,
            AllowedGroupIds = groups,
            MaxClients = _config.Limits.IpcMaxClients,
            MaxFrameSize = _config.Limits.IpcMaxFrame,
            MaxMessageSize = _config.Limits.MaxMessageSize,
            EventQueueLimit = _config.Limits.IpcClientQueue,
            HighWaterMark = _config.Limits.IpcClientHighWater,
            StallTimeout = _config.Limits.IpcClientStallTimeout,
            NodeId = _local.NodeId,
            NodeName = _local.Name,
            ClusterName = _config.ClusterName,
            TimeProvider = _time,
        };
    }

    /// <summary>
    /// Real-time priority for the threads that must never miss a heartbeat (the event loop and the receive threads),
    /// like Corosync's SCHED_RR. Only these threads: threads they create start normal (SCHED_RESET_ON_FORK), so
    /// .NET thread-pool workers, which spin while idle, cannot starve the machine.
    /// </summary>
    private void RaisePriority(string which)
    {
        if (SystemTuning.TryEnableRealtimeForCurrentThread(out string detail))
        {
            DaemonLog.RealtimePriority(_log, which, detail);
        }
        else
        {
            DaemonLog.NoRealtimePriority(_log, which, detail);
            if (SystemTuning.TrySetNice(-10, out string nice))
            {
                DaemonLog.Niceness(_log, nice);
            }
        }
    }

    private void Loop()
    {
        if (_config.System.SchedRr)
        {
            RaisePriority("event loop");
        }

        var batch = new List<DaemonInput>();
        var now = _time.GetInstant();
        _now = now;
        _startedAt = now;
        _node.Start(now);
        NotifySystemd(now);
        // The loop wakes at least every heartbeat interval; a gap of two means it was not scheduled (schedmiss).
        _stalls = new StallMonitor(_config.Timing.HeartbeatInterval, _config.Timing.HeartbeatInterval * 2, _loggers, time: _time);
        if (_prometheus is not null)
        {
            _metrics = new DaemonMetrics(BuildCounters());
            _prometheus.Start();
        }

        while (!_stop)
        {
            now = _time.GetInstant();
            _stalls.Beat(now);
            var deadline = _node.Membership.NextDeadline < _links.NextDeadline ? _node.Membership.NextDeadline : _links.NextDeadline;
            var wait = deadline <= now ? TimeSpan.Zero : deadline - now;
            if (wait > _config.Timing.HeartbeatInterval)
            {
                wait = _config.Timing.HeartbeatInterval;
            }

            _queue.Drain(batch, wait);
            now = _time.GetInstant();
            // Replies and deliveries of this round reach each client in one write (see IpcWriteBatch).
            _writes.Begin();
            try
            {
                RunRound(batch, now);
            }
            finally
            {
                batch.Clear();
                _writes.Flush();
            }

            NotifySystemd(now);
            if (_metrics is not null && now >= _nextMetricsPublish)
            {
                // Once a second: a scrape sees values at most that old, and the loop builds the list only then.
                _metrics.Publish(BuildCounters());
                _nextMetricsPublish = now + TimeSpan.FromSeconds(1);
            }
        }
    }

    /// <summary>One round of the loop: the inputs that arrived, due timers, held requests, then what is ready to send.</summary>
    private void RunRound(List<DaemonInput> batch, Instant now)
    {
        _now = now;
        foreach (var input in batch)
        {
            Handle(input, now);
            if (_stop)
            {
                return;
            }
        }

        if (now >= _links.NextDeadline)
        {
            TickLinks(now);
        }

        if (now >= _node.NextDeadline)
        {
            _node.Tick(now);
        }

        RetryBlocked(now);
        if (_stop)
        {
            // A held request was a leave: the node is gone, and the requests behind it are not handled.
            return;
        }

        // Sends what this round's requests queued, in one batch.
        _node.Flush(now);
    }

    private void Handle(in DaemonInput input, Instant now)
    {
        switch (input.Kind)
        {
            case InputKind.Packet:
                try
                {
                    ReceivePacket(input.Datagram, now);
                }
                finally
                {
                    input.Datagram.Return();
                }

                break;
            case InputKind.Connected:
                _sessions[input.Session!.Id] = input.Session;
                break;
            case InputKind.Disconnected:
                OnDisconnected(input.Session!, input.Reason ?? "closed");
                break;
            case InputKind.Request:
                // A request never overtakes one held back by flow control: not one of its own client's (a pipelining
                // client relies on its sends being ordered as issued), and no waiting send of another client (FIFO
                // fairness). Other clients' queries and NoWait sends go ahead.
                if (MustWaitBehindBlocked(input) || !HandleRequest(input, now))
                {
                    Block(input);
                }

                break;
            case InputKind.Drained:
                UpdateDeliveryPause();
                break;
            case InputKind.Leave:
                LeaveCluster(now, "signal");
                break;
            case InputKind.ReloadKeys:
                ReloadKeysOnSignal();
                break;
            case InputKind.ServiceInput:
                _node.Input(input.Service, input.ServiceInput!, now);
                break;
        }
    }

    private void OnDisconnected(IpcSession session, string reason)
    {
        if (!_sessions.Remove(session.Id))
        {
            return;
        }

        _trackers.Remove(session.Id);
        _quorumTrackers.Remove(session.Id);
        _recoveryTrackers.Remove(session.Id);
        _node.Groups.SessionClosed(session.Id);
        UpdateDeliveryPause();
        DaemonLog.ClientDisconnected(_log, session, reason);
    }

    private void LeaveCluster(Instant now, string why)
    {
        DaemonLog.Leaving(_log, why);
        _notifier?.Stopping();
        _now = now;
        _node.Leave(now);
        _stop = true;
        _exitCode = 0;
    }

    // The node's effects, carried out in its order: persist, send, then events (see INodeEffects).
    void INodeEffects.PersistViewSequence(ulong mark) => _storeViewMark(mark);

    void INodeEffects.Send(NodeId destination, byte[] buffer, int length) => SendPacket(destination, buffer, length);

    void INodeEffects.SendsDone() => EndSealBatch();

    void INodeEffects.OnEvent(in MembershipEvent ev, IReadOnlyList<GroupEvent> groupEvents)
    {
        switch (ev.Kind)
        {
            case MembershipEventKind.Log:
                CoreEventLog.Write(_membershipLog, ev.Level, ev.Text!, _local.NodeId, _node.Membership.CurrentView?.Id ?? ViewId.None);
                break;
            case MembershipEventKind.ViewChanged:
                AuditDepartures(ev.ViewChange!, _now);
                OnViewChanged(ev.ViewChange!);
                NotifyViewChanged(ev.ViewChange!.View);
                break;
            case MembershipEventKind.LeftCluster:
                _stop = true;
                break;
        }

        DispatchGroupEvents(groupEvents);
    }

    void INodeEffects.OnLocalEvents(IReadOnlyList<GroupEvent> groupEvents) => DispatchGroupEvents(groupEvents);

    void INodeEffects.OnServiceEffect(ServiceId service, ServiceEffect effect)
    {
        switch (effect)
        {
            case QuorumChanged changed:
                OnQuorumChanged(changed.State);
                break;
            case RunFenceAgent run:
                RunFenceAgentInBackground(run);
                break;
            case NodeRecoverable recoverable:
                OnNodeRecoverable(recoverable);
                break;
            default:
                // A new effect type must be wired here, not lost.
                DaemonLog.EffectNotCarriedOut(_log, service.ToString(), effect.ToString());
                break;
        }
    }

    void INodeEffects.Log(Core.Diagnostics.LogLevel level, string text) =>
        CoreEventLog.Write(_membershipLog, level, text, _local.NodeId, _node.Membership.CurrentView?.Id ?? ViewId.None);

    private void DispatchGroupEvents(IReadOnlyList<GroupEvent> groupEvents)
    {
        foreach (var ev in groupEvents)
        {
            if (!_sessions.TryGetValue(ev.Session, out var session))
            {
                continue;
            }

            IpcEvent ipcEvent = ev.Kind switch
            {
                GroupEventKind.Message => new GroupMessageEvent(ev.Group, ToIpc(ev.Sender), ev.Payload),
                // Counted in messages_outcome_unknown; the sender is told, since only it can decide what to do.
                GroupEventKind.MessageOutcomeUnknown => new GroupMessageOutcomeUnknownEvent(ev.Group, ToIpc(ev.Sender), ev.Payload),
                _ => new GroupMembershipChangedEvent(ev.Group, ev.ViewId, [.. ev.Members.Select(ToIpc)],
                    [.. ev.Joined.Select(ToIpc)], [.. ev.Left.Select(ToIpc)]),
            };
            if (session.TryEnqueueEvent(ipcEvent) == EnqueueResult.AboveHighWater && !_node.Membership.DeliveryPaused)
            {
                // A reader is behind: stop delivering (so we stop acknowledging) until it catches up. The sequencer
                // window then fills and senders everywhere wait. If it never catches up, the IPC server disconnects
                // it after the stall timeout and its groups see it die.
                _node.Membership.DeliveryPaused = true;
                DaemonLog.DeliveryPaused(_log, session, session.QueuedEvents);
            }
        }
    }

    private void UpdateDeliveryPause()
    {
        if (_node.Membership.DeliveryPaused && !_sessions.Values.Any(s => s.IsAboveHighWater && !s.IsClosed))
        {
            _node.Membership.DeliveryPaused = false;
            DaemonLog.DeliveryResumed(_log);
        }
    }

    public void Dispose()
    {
        _transport?.Dispose();
        _stopping.Dispose();
    }

    private static Ipc.Contracts.GroupMember ToIpc(Node.Groups.GroupMember m) => new(m.Node, m.ProcessId);

    private static Ipc.Contracts.GroupMemberChange ToIpc(Node.Groups.GroupMemberChange c) =>
        new(ToIpc(c.Member), (Ipc.Contracts.GroupChangeReason)(byte)c.Reason);
}
