using Muster.Core;
using Muster.Membership;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Node.Groups;

/// <summary>
/// Closed process groups with CPG semantics on top of the total order: joins, leaves, multicasts and process deaths
/// are ordered messages, so every node applies them at the same point and every member of a group sees the same
/// sequence of messages and membership changes. It is the first service of the composed node
/// (<see cref="INodeService"/>): pure, it only submits through its host and delivers <see cref="GroupEvent"/>s to
/// local endpoints.
/// </summary>
/// <remarks>
/// The view's sync barrier is the group layer's sync: at its init every node multicasts, as the first message of the
/// view, the list of its own processes in each group (like Corosync's CPG sync). Group operations delivered before
/// every member's sync has arrived are held back and applied, in order, at activation, which comes right after the
/// last sync. So the group table after a merge is the union of what each side knew, identical on every node, and
/// changes are reported with NodeUp/NodeDown reasons. An aborted barrier (the view ended first) completes with the
/// syncs that did arrive, as every node that moves on with us does (they delivered the same messages).
/// </remarks>
public sealed class GroupEngine : INodeService
{
    private readonly IServiceHost _host;
    private Dictionary<string, SortedSet<GroupMember>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Group, uint Pid), LocalMember> _local = [];

    // This node's own processes as the ordered stream has made them: a join of ours adds one when it is delivered, a
    // leave or death of ours removes it. The per-view sync lists exactly these. It is kept apart from the replicated
    // table, which an interrupted sync can leave without some nodes' processes: a sync built from that table would
    // drop our own live processes everywhere, ours included.
    private readonly SortedSet<(string Group, uint Pid)> _own = new(Comparer<(string Group, uint Pid)>.Create(
        (a, b) => string.CompareOrdinal(a.Group, b.Group) is int c && c != 0 ? c : a.Pid.CompareTo(b.Pid)));

    // Sync state of the current view.
    private View? _view;
    private HashSet<NodeId>? _syncPending;
    private Dictionary<string, SortedSet<GroupMember>>? _syncState;
    private readonly List<(MemberId Sender, byte[] Payload)> _held = [];

    private sealed class LocalMember
    {
        public required string Group { get; init; }
        public required uint Pid { get; init; }
        public required int Session { get; init; }
        public bool Joined { get; set; }
    }

    /// <summary>Default for <see cref="MaxLocalMemberships"/>.</summary>
    public const int DefaultMaxLocalMemberships = 4096;

    /// <summary>Creates the group layer over an engine.</summary>
    /// <param name="host">What the group layer acts through (the composed node).</param>
    /// <param name="maxLocalMemberships">
    /// Most (group, process) memberships this node's processes may hold. It bounds the per-view sync message (which
    /// lists them all and must fit one message): at 128-byte names, 4096 entries take about 550 KB.
    /// </param>
    /// <param name="maxPayload">
    /// Largest message payload a local process may send (<c>limits.max_message_size</c>); the ordered message's own
    /// size limit caps it too.
    /// </param>
    public GroupEngine(IServiceHost host, int maxLocalMemberships = DefaultMaxLocalMemberships, int maxPayload = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPayload);
        _host = host;
        _maxPayload = maxPayload;
        int perEntry = 2 + GroupName.MaxBytes + 4;
        MaxLocalMemberships = Math.Min(maxLocalMemberships, (host.MaxMessageSize - 5) / perEntry);
    }

    /// <inheritdoc/>
    public ServiceId Id => ServiceId.Groups;

    /// <inheritdoc/>
    public string Name => "groups";

    /// <summary>Most local (group, process) memberships accepted; joins beyond it get TooManyGroups.</summary>
    public int MaxLocalMemberships { get; }

    private NodeId Self => _host.Self.Node;

    /// <summary>Largest payload a group message may carry.</summary>
    public int MaxPayload(string group) => Math.Min(_maxPayload, _host.MaxMessageSize - GroupWire.HeaderSize(group));

    private readonly int _maxPayload;

    /// <summary>Every group and its members as this node knows them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<GroupMember>> Snapshot() =>
        _groups.Where(g => g.Value.Count > 0)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<GroupMember>)[.. g.Value], StringComparer.Ordinal);

    /// <summary>True between a view change and the arrival of every member's sync (the table is being rebuilt).</summary>
    internal bool Syncing => _syncPending is not null;

    /// <summary>Entries in the group table, empty ones included (for tests of its bound).</summary>
    internal int GroupEntryCount => _groups.Count;

    /// <summary>Members of one group (empty if none).</summary>
    public IReadOnlyList<GroupMember> MembersOf(string group) =>
        _groups.TryGetValue(group, out var set) ? [.. set] : [];

    /// <summary>
    /// Members of one group (cpg_membership_get): <see cref="GroupRequestResult.InvalidName"/> for a name that breaks
    /// the rule, <see cref="GroupRequestResult.NotExist"/> for a group nobody is in.
    /// </summary>
    public GroupRequestResult Members(string group, out IReadOnlyList<GroupMember> members)
    {
        members = [];
        if (!IsValidName(group))
        {
            return GroupRequestResult.InvalidName;
        }

        if (!_groups.TryGetValue(group, out var set) || set.Count == 0)
        {
            return GroupRequestResult.NotExist;
        }

        members = [.. set];
        return GroupRequestResult.Ok;
    }

    /// <summary>
    /// A hash of the replicated state (group table, and the pending sync). Nodes that have applied the same ordered
    /// stream must agree on it; the simulator checks that.
    /// </summary>
    internal ulong Fingerprint()
    {
        // During a sync the old table is each node's own history (nodes may come from different views); what the
        // view replicates is the sync collected so far. Groups are combined with a sum, so dictionary order does
        // not matter; members are hashed in their (sorted) order.
        var table = _syncPending is not null ? _syncState! : _groups;
        ulong total = 0;
        foreach (var (group, members) in table)
        {
            if (members.Count == 0)
            {
                continue;
            }

            ulong h = 14695981039346656037UL;
            foreach (char ch in group)
            {
                h = (h ^ ch) * 1099511628211UL;
            }

            foreach (var m in members)
            {
                h = (h ^ m.Node.Value) * 1099511628211UL;
                h = (h ^ m.ProcessId) * 1099511628211UL;
            }

            total += h;
        }

        total = (total ^ (_syncPending is null ? 0UL : (ulong)_syncPending.Count + 1)) * 1099511628211UL;
        return (total ^ (ulong)_held.Count) * 1099511628211UL;
    }

    /// <summary>Checks a group name by the one rule, <see cref="GroupName"/>: 1..128 bytes of UTF-8, no NUL.</summary>
    public static bool IsValidName(string group) => GroupName.IsValid(group);

    /// <summary>A local process joins a group (cpg_join). Its confirmation is the membership change that lists it.</summary>
    public GroupRequestResult Join(string group, uint pid, int session)
    {
        if (!IsValidName(group))
        {
            return GroupRequestResult.InvalidName;
        }

        if (_local.ContainsKey((group, pid)))
        {
            return GroupRequestResult.Exist;
        }

        if (_local.Count + _leaving.Count >= MaxLocalMemberships)
        {
            return GroupRequestResult.TooManyGroups;
        }

        var result = Submit(GroupWire.Encode(GroupOp.Join, group, pid, []));
        if (result == GroupRequestResult.Ok)
        {
            _local[(group, pid)] = new LocalMember { Group = group, Pid = pid, Session = session };
        }

        return result;
    }

    /// <summary>A local process leaves a group (cpg_leave).</summary>
    public GroupRequestResult Leave(string group, uint pid, int session)
    {
        if (!IsValidName(group))
        {
            return GroupRequestResult.InvalidName;
        }

        if (!_local.TryGetValue((group, pid), out var member) || member.Session != session)
        {
            return GroupRequestResult.NotExist;
        }

        var result = Submit(GroupWire.Encode(GroupOp.Leave, group, pid, []));
        if (result == GroupRequestResult.Ok)
        {
            _local.Remove((group, pid));
            // The leaver still sees its own leave, as in CPG; it is reported to it by session below.
            _leaving[(group, pid)] = session;
        }

        return result;
    }

    private readonly Dictionary<(string Group, uint Pid), int> _leaving = [];

    /// <summary>A local process multicasts to a group it joined (cpg_mcast_joined).</summary>
    public GroupRequestResult Send(string group, uint pid, int session, ReadOnlySpan<byte> payload)
    {
        if (!IsValidName(group))
        {
            return GroupRequestResult.InvalidName;
        }

        if (!_local.TryGetValue((group, pid), out var member) || member.Session != session)
        {
            return GroupRequestResult.NotExist;
        }

        if (payload.Length > MaxPayload(group))
        {
            return GroupRequestResult.TooBig;
        }

        return Submit(GroupWire.Encode(GroupOp.Multicast, group, pid, payload));
    }

    /// <summary>True when a message of this size would be accepted now (flow control).</summary>
    public bool CanSend(string group, int payloadSize) => _host.CanSubmit(GroupWire.HeaderSize(group) + payloadSize);

    /// <summary>A local session ended without leaving: its processes leave every group with reason ProcessDown.</summary>
    public void SessionClosed(int session)
    {
        foreach (var key in _local.Where(l => l.Value.Session == session).Select(l => l.Key).ToList())
        {
            _local.Remove(key);
            // Control-plane message: submitted even under flow control so the group learns of the death.
            _host.Submit(GroupWire.Encode(GroupOp.ProcessDown, key.Group, key.Pid, []), force: true);
        }

        foreach (var key in _leaving.Where(l => l.Value == session).Select(l => l.Key).ToList())
        {
            _leaving.Remove(key);
        }
    }

    private GroupRequestResult Submit(byte[] message) => _host.Submit(message) switch
    {
        SubmitResult.Accepted => GroupRequestResult.Ok,
        SubmitResult.TryAgain => GroupRequestResult.TryAgain,
        SubmitResult.TooBig => GroupRequestResult.TooBig,
        _ => GroupRequestResult.NotRunning,
    };

    /// <summary>Our group messages given up with "outcome unknown" at a view change (see <see cref="MembershipEventKind.OutcomeUnknown"/>).</summary>
    public long OutcomeUnknown { get; private set; }

    /// <inheritdoc/>
    public void OnOrdered(MemberId sender, ulong messageNo, byte[] payload) => OnDelivered(sender, payload);

    /// <inheritdoc/>
    public void OnReturned(byte[] payload, bool outcomeUnknown) => Resubmit(payload, outcomeUnknown);

    /// <inheritdoc/>
    public void OnViewChanged(ViewChange change) => _view = change.View;

    /// <inheritdoc/>
    public void SyncInit(SyncBarrier barrier)
    {
        if (barrier.Scope.Length != 0)
        {
            return;
        }

        _syncPending = [.. barrier.Members.Select(m => m.Node)];
        _syncState = new Dictionary<string, SortedSet<GroupMember>>(StringComparer.Ordinal);
        _host.Submit(GroupWire.EncodeSync([.. _own]), control: true);
    }

    /// <inheritdoc/>
    public bool SyncProcess(SyncBarrier barrier) => _syncPending is not { Count: > 0 };

    /// <inheritdoc/>
    public void SyncActivate(SyncBarrier barrier) => CompleteSync();

    /// <inheritdoc/>
    public void SyncAbort(SyncBarrier barrier)
    {
        // The view ended before every sync arrived: finish with what did arrive, as every node that moves on with us
        // does (they delivered the same messages).
        if (_syncPending is not null)
        {
            CompleteSync();
        }
    }

    /// <summary>
    /// One of our operations may or may not have been applied on the other side of a view change, and will not be
    /// here; or it was handed back unsent behind such a one. The engine hands them over in their original order and
    /// keeps nothing queued behind them, so submitting them again here keeps every process's operations in order.
    /// Joins, leaves and deaths are submitted again, as new messages: this side's table starts the new view from
    /// every node's own processes (the sync), which never included them. A multicast of unknown outcome cannot be
    /// repeated safely (it may have been delivered over there): its sender is told instead. A returned one is sent.
    /// </summary>
    private void Resubmit(byte[] payload, bool unknown)
    {
        if (unknown)
        {
            OutcomeUnknown++;
        }

        var r = new WireReader(payload);
        if (!r.TryReadByte(out byte op) || (GroupOp)op is not (GroupOp.Join or GroupOp.Leave or GroupOp.Multicast or GroupOp.ProcessDown) ||
            !GroupWire.TryReadName(ref r, out string group) || !r.TryReadUInt32(out uint pid))
        {
            return;
        }

        if ((GroupOp)op == GroupOp.Multicast && unknown)
        {
            if (_local.TryGetValue((group, pid), out var member))
            {
                _host.Deliver(GroupEvent.Unknown(member.Session, group, new GroupMember(Self, pid),
                    payload.AsMemory(payload.Length - r.Remaining)));
            }

            return;
        }

        // Accepted once already under flow control; bounded by what was pending.
        _host.Submit(payload, force: true);
    }

    private void OnDelivered(MemberId sender, byte[] payload)
    {
        if (payload.Length == 0)
        {
            return;
        }

        if ((GroupOp)payload[0] == GroupOp.Sync)
        {
            // The barrier activates (CompleteSync) once the last sync is in, before the next delivery.
            OnSync(sender.Node, payload);
            return;
        }

        if (_syncPending is not null)
        {
            _held.Add((sender, payload));
            return;
        }

        Apply(sender, payload);
    }

    private void OnSync(NodeId from, byte[] payload)
    {
        if (_syncPending is null || _syncState is null || !_syncPending.Remove(from))
        {
            return;
        }

        var r = new WireReader(payload.AsSpan(1));
        if (!r.TryReadUInt32(out uint count) || count > 1_000_000)
        {
            return;
        }

        for (uint i = 0; i < count; i++)
        {
            if (!GroupWire.TryReadName(ref r, out string group) || !r.TryReadUInt32(out uint pid))
            {
                return;
            }

            if (!_syncState.TryGetValue(group, out var set))
            {
                set = [];
                _syncState[group] = set;
            }

            set.Add(new GroupMember(from, pid));
        }
    }

    private void CompleteSync()
    {
        var next = _syncState ?? new Dictionary<string, SortedSet<GroupMember>>(StringComparer.Ordinal);
        _syncPending = null;
        _syncState = null;
        foreach (string group in _groups.Keys.Union(next.Keys, StringComparer.Ordinal).ToList())
        {
            var before = _groups.TryGetValue(group, out var b) ? b : [];
            var after = next.TryGetValue(group, out var a) ? a : [];
            var left = before.Where(m => !after.Contains(m))
                .Select(m => new GroupMemberChange(m, GroupChangeReason.NodeDown)).ToList();
            var joined = after.Where(m => !before.Contains(m))
                .Select(m => new GroupMemberChange(m, GroupChangeReason.NodeUp)).ToList();
            if (left.Count > 0 || joined.Count > 0)
            {
                NotifyLocal(group, after, joined, left, extraSession: null);
            }
        }

        _groups = next;
        var held = _held.ToList();
        _held.Clear();
        foreach (var (sender, payload) in held)
        {
            Apply(sender, payload);
        }
    }

    private void Apply(MemberId sender, byte[] payload)
    {
        var r = new WireReader(payload);
        if (!r.TryReadByte(out byte op) || !GroupWire.TryReadName(ref r, out string group) || !r.TryReadUInt32(out uint pid))
        {
            return;
        }

        var member = new GroupMember(sender.Node, pid);
        if (sender.Node == Self)
        {
            if ((GroupOp)op == GroupOp.Join)
            {
                _own.Add((group, pid));
            }
            else if ((GroupOp)op is GroupOp.Leave or GroupOp.ProcessDown)
            {
                _own.Remove((group, pid));
            }
        }

        // Only a join creates a group's entry: a multicast from a non-member, a leave of an unknown group or an unknown
        // operation must not leave an empty entry behind (found while fuzzing: they accumulated until the next view).
        _groups.TryGetValue(group, out var members);
        switch ((GroupOp)op)
        {
            case GroupOp.Join:
                if (members is null)
                {
                    members = [];
                    _groups[group] = members;
                }

                if (members.Add(member))
                {
                    if (sender.Node == Self && _local.TryGetValue((group, pid), out var local))
                    {
                        local.Joined = true;
                    }

                    NotifyLocal(group, members, [new GroupMemberChange(member, GroupChangeReason.Join)], [], null);
                }

                break;
            case GroupOp.Leave:
            case GroupOp.ProcessDown:
                if (members is null)
                {
                    return;
                }

                if (members.Remove(member))
                {
                    int? leaver = null;
                    if (sender.Node == Self && _leaving.Remove((group, pid), out int session))
                    {
                        leaver = session;
                    }

                    var reason = (GroupOp)op == GroupOp.Leave ? GroupChangeReason.Leave : GroupChangeReason.ProcessDown;
                    NotifyLocal(group, members, [], [new GroupMemberChange(member, reason)], leaver);
                }

                if (members.Count == 0)
                {
                    _groups.Remove(group);
                }

                break;
            case GroupOp.Multicast:
                if (members is null || !members.Contains(member))
                {
                    // Sent by a process that has since left: CPG delivers only to and from members.
                    return;
                }

                var body = payload.AsMemory(payload.Length - r.Remaining);
                foreach (var m in members)
                {
                    if (m.Node == Self && _local.TryGetValue((group, m.ProcessId), out var target) && target.Joined)
                    {
                        _host.Deliver(GroupEvent.Message(target.Session, group, member, body));
                    }
                }

                break;
        }
    }

    private void NotifyLocal(string group, SortedSet<GroupMember> members, List<GroupMemberChange> joined,
        List<GroupMemberChange> left, int? extraSession)
    {
        IReadOnlyList<GroupMember> snapshot = [.. members];
        var viewId = _view?.Id ?? ViewId.None;
        foreach (var m in members)
        {
            if (m.Node == Self && _local.TryGetValue((group, m.ProcessId), out var target) && target.Joined)
            {
                _host.Deliver(GroupEvent.Changed(target.Session, group, viewId, snapshot, joined, left));
            }
        }

        if (extraSession is int session)
        {
            _host.Deliver(GroupEvent.Changed(session, group, viewId, snapshot, joined, left));
        }
    }
}
