using W = Muster.Ipc.Contracts;

namespace Muster.Client.Wire;

/// <summary>
/// Turns the IPC protocol's records into the client's own types. This is the one place where the two meet: a change
/// to the wire changes this file, not the public API (which the public API analyzers track).
/// </summary>
/// <remarks>
/// Enums convert by number: the client's enums carry the protocol's numbers (a test checks that every wire value has
/// a client name), and a number a newer daemon sends that this client does not name passes through unchanged.
/// </remarks>
internal static class FromWire
{
    public static ErrorCode Code(W.ErrorCode code) => (ErrorCode)(int)code;

    public static MemberInfo Member(W.MemberInfo m) =>
        new(m.NodeId, m.Incarnation, m.Name, m.Addresses, (MemberState)(int)m.State, m.JoinedViewId);

    public static MemberInfo[] Members(IReadOnlyList<W.MemberInfo> members) => Map(members, Member);

    public static ClusterView View(W.ClusterView view) => new(view.ViewId, Members(view.Members));

    public static MembershipChange Change(W.MembershipChange change) => (MembershipChange)(int)change;

    public static GroupMember GroupMember(W.GroupMember m) => new(m.NodeId, m.ProcessId);

    public static GroupMember[] GroupMembers(IReadOnlyList<W.GroupMember> members) => Map(members, GroupMember);

    public static GroupMemberChange[] GroupChanges(IReadOnlyList<W.GroupMemberChange> changes) =>
        Map(changes, c => new GroupMemberChange(GroupMember(c.Member), (GroupChangeReason)(int)c.Reason));

    public static GroupSummary[] Groups(IReadOnlyList<W.GroupSummary> groups) => Map(groups, g => new GroupSummary(g.Name, g.MemberCount));

    public static DaemonStatus Status(W.StatusResponse s) =>
        new(s.NodeId, s.NodeName, s.ClusterName, s.ViewId, s.State, s.ProtocolVersion, Members(s.Members), s.Timeouts, s.Counters,
            s.Peers is null ? null : Map(s.Peers, p => new PeerCounters(p.Node, p.Name, p.Counters)));

    public static ClusterKeys Keys(W.KeysResponse k) =>
        new(k.Encrypted, Map(k.Keys, key => new KeyInfo(key.Fingerprint, (KeyRole)(int)key.Role, key.Source)), k.Outcome);

    public static LinkReport Links(W.LinksResponse l) =>
        new(l.Mode, l.DatagramSize, Map(l.Peers, p => new PeerLinks(p.Node, p.Name, Map(p.Links, Link))));

    public static RefusalInfo[] Refusals(IReadOnlyList<W.RefusalInfo> refusals) =>
        Map(refusals, r => new RefusalInfo(
            r.Node, r.Name, r.Address, (RefusalDirection)(int)r.Direction, (RefusalReason)(int)r.Reason, r.Text, r.Age, r.Count));

    public static QuorumInfo Quorum(W.QuorumInfo q) =>
        new(q.View, q.Quorate, q.ExpectedVotes, q.HighestExpected, q.TotalVotes, q.Quorum, (QuorumFlags)(int)q.Flags,
            (QuorumReason)(int)q.Reason, q.Synced, Map(q.Nodes, n => new QuorumNode(n.Node, n.Name, n.Votes, n.ExpectedVotes)));

    public static FencingState Fencing(W.FencingResponse f) =>
        new(Map(f.Pending, p => new PendingFence(p.Node, p.Name, p.Incarnation, p.Action, p.Attempts, p.Actor, p.RequestedBy)),
            Map(f.AwaitingRecovery, a => new FailedNode(a.Node, a.Incarnation)),
            Map(f.History, h => new FenceHistoryItem(h.Age, h.Target, h.TargetName, h.Incarnation, h.Level, h.Device, h.Action, h.Outcome,
                h.Duration, h.Actor, h.RequestedBy, h.Output)));

    private static LinkInfo Link(W.LinkInfo l) =>
        new(l.Index, l.LocalEndpoint, l.RemoteEndpoint, l.Up, l.InUse, l.Priority, l.Mtu, l.Rtt, l.SinceChange, l.UpTransitions,
            l.DownTransitions, l.ProbesSent, l.PongsReceived);

    // One array per list, sized once; the lambdas capture nothing, so no delegate is allocated per call.
    private static TOut[] Map<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> convert)
    {
        if (items.Count == 0)
        {
            return [];
        }

        var result = new TOut[items.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = convert(items[i]);
        }

        return result;
    }
}
