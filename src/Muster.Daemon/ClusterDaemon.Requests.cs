using System.Net;
using Muster.Core;
using Muster.Daemon.Requests;
using Muster.Ipc;
using Muster.Ipc.Contracts;
using Muster.Membership;
using Muster.Node.Groups;

namespace Muster.Daemon;

// Client requests (CLM and CPG shapes) and membership tracking.
internal sealed partial class ClusterDaemon
{
    private RequestTable? _requestTable;

    /// <summary>Every request this daemon serves: the cluster's own here, each service's in its own file.</summary>
    private RequestTable Requests => _requestTable ??= BuildRequestTable();

    private RequestTable BuildRequestTable()
    {
        var table = new RequestTable()
            .On<GetStatusRequest>((c, _) => c.Reply(BuildStatus()))
            .On<GetMembersRequest>((c, _) => c.Reply(new MembersResponse(BuildView())))
            .On<TrackMembershipRequest>((c, r) => Track(c, r.Flags))
            .On<StopTrackMembershipRequest>((c, _) =>
            {
                _trackers.Remove(c.Session.Id);
                return c.Ok();
            })
            .On<GetKeysRequest>((c, _) => c.Reply(BuildKeys(string.Empty)))
            .On<KeyOperationRequest>((c, r) =>
            {
                HandleKeyRequest(c.Session, c.RequestId, r);
                return RequestOutcome.Answered;
            })
            .On<GetLinksRequest>((c, _) => c.Reply(BuildLinks(c.Now)))
            .On<GetRefusalsRequest>((c, _) => c.Reply(BuildRefusals(c.Now)))
            .On<LeaveClusterRequest>((c, _) =>
            {
                c.Ok();
                LeaveCluster(c.Now, $"requested by client {c.Session}");
                return RequestOutcome.Answered;
            });
        GroupRequests.Register(table, () => _node.Groups);
        RegisterQuorum(table, this);
        RegisterFencing(table, this);
        return table;
    }

    /// <summary>Handles one request. False: held by flow control, retried later (the client is waiting).</summary>
    private bool HandleRequest(in DaemonInput input, Instant now)
    {
        var session = input.Session!;
        if (session.IsClosed)
        {
            return true;
        }

        return Requests.Handle(new RequestContext(session, input.RequestId, now), input.Request!) == RequestOutcome.Answered;
    }

    private RequestOutcome Track(RequestContext c, TrackFlags flags)
    {
        _trackers[c.Session.Id] = flags;
        c.Ok();
        if ((flags & TrackFlags.Current) != 0 && _node.Membership.CurrentView is not null)
        {
            var view = BuildView();
            c.Session.TryEnqueueEvent(new MembershipChangedEvent(view,
                [.. view.Members.Select(m => new Ipc.Contracts.MemberChange(m.NodeId, m.Incarnation, m.Name,
                    MembershipChange.NoChange, "current"))]));
        }

        return RequestOutcome.Answered;
    }

    /// <summary>Retries requests held back by flow control, oldest first, until one is still blocked.</summary>
    private void RetryBlocked(Instant now)
    {
        while (!_stop && _blocked.TryPeek(out var input))
        {
            if (input.Session!.IsClosed || HandleRequest(input, now))
            {
                _blocked.Dequeue();
                int sessionId = input.Session.Id;
                if (_blockedPerSession.TryGetValue(sessionId, out int count) && count > 1)
                {
                    _blockedPerSession[sessionId] = count - 1;
                }
                else
                {
                    _blockedPerSession.Remove(sessionId);
                }

                continue;
            }

            break;
        }
    }

    /// <summary>Holds a request back until the requests ahead of it have been answered.</summary>
    private void Block(in DaemonInput input)
    {
        _blocked.Enqueue(input);
        _requestsHeld++;
        int sessionId = input.Session!.Id;
        _blockedPerSession[sessionId] = _blockedPerSession.GetValueOrDefault(sessionId) + 1;
    }

    /// <summary>
    /// True when the request must queue behind held ones: its own client has one held (requests are answered in the
    /// order they were sent), or it is a waiting send or join/leave while any is held (first come, first served).
    /// </summary>
    private bool MustWaitBehindBlocked(in DaemonInput input)
    {
        if (_blocked.Count == 0)
        {
            return false;
        }

        if (_blockedPerSession.ContainsKey(input.Session!.Id))
        {
            return true;
        }

        return Requests.QueuesBehindHeld(input.Request!);
    }

    private void OnViewChanged(ViewChange change)
    {
        foreach (var j in change.Joined)
        {
            _joinedIn[j.Member.Node] = change.View.Id;
        }

        if (change.PreviousView is null)
        {
            foreach (var m in change.View.Members)
            {
                _joinedIn[m.Node] = change.View.Id;
            }
        }

        if (_trackers.Count == 0)
        {
            return;
        }

        var view = BuildView();
        var changed = new List<Ipc.Contracts.MemberChange>();
        foreach (var j in change.Joined)
        {
            changed.Add(new Ipc.Contracts.MemberChange(j.Member.Node, j.Member.Incarnation, NameOf(j.Member.Node),
                j.Reason == MemberChangeReason.Merged ? MembershipChange.Merged : MembershipChange.Joined,
                j.Reason.ToString().ToLowerInvariant()));
        }

        foreach (var l in change.Left)
        {
            changed.Add(new Ipc.Contracts.MemberChange(l.Member.Node, l.Member.Incarnation, NameOf(l.Member.Node),
                l.Reason == MemberChangeReason.Left ? MembershipChange.Left : MembershipChange.Failed,
                l.Reason.ToString().ToLowerInvariant()));
        }

        var all = new List<Ipc.Contracts.MemberChange>(changed);
        foreach (var m in change.View.Members)
        {
            if (!changed.Exists(c => c.NodeId == m.Node && c.Incarnation == m.Incarnation))
            {
                all.Add(new Ipc.Contracts.MemberChange(m.Node, m.Incarnation, NameOf(m.Node), MembershipChange.NoChange, ""));
            }
        }

        foreach (var (sessionId, flags) in _trackers)
        {
            if (_sessions.TryGetValue(sessionId, out var session) &&
                (flags & (TrackFlags.Changes | TrackFlags.ChangesOnly)) != 0)
            {
                session.TryEnqueueEvent(new MembershipChangedEvent(view, (flags & TrackFlags.ChangesOnly) != 0 ? changed : all));
            }
        }
    }

    private string NameOf(NodeId node) => _config.FindNode(node.Value)?.Name ?? node.ToString();

    private ClusterView BuildView()
    {
        var view = _node.Membership.CurrentView;
        if (view is null)
        {
            return new ClusterView(ViewId.None, []);
        }

        return new ClusterView(view.Id, [.. view.Members.Select(m =>
        {
            var node = _config.FindNode(m.Node.Value);
            return new MemberInfo(m.Node, m.Incarnation, node?.Name ?? m.Node.ToString(),
                node is null ? [] : [.. node.Endpoints.Select(FormatEndpoint)], MemberState.Member,
                _joinedIn.TryGetValue(m.Node, out var joined) ? joined : null);
        })]);
    }

    private static string FormatEndpoint(IPEndPoint endpoint) => endpoint.ToString();

    private StatusResponse BuildStatus()
    {
        var counters = BuildCounters();
        return new StatusResponse(_local.NodeId, _local.Name, _config.ClusterName, _node.Membership.CurrentView?.Id ?? ViewId.None,
            _node.Membership.State.ToString().ToLowerInvariant(), _node.Membership.CurrentView?.ProtocolVersion ?? 0, BuildView().Members,
            _node.Membership.EffectiveTimeouts(), counters, PeerCountersList());
    }

    /// <summary>Every counter, in the order <c>muster status</c> shows them (also what the metrics publish).</summary>
    private List<KeyValuePair<string, long>> BuildCounters()
    {
        var counters = new List<KeyValuePair<string, long>>(_node.Membership.Counters.Snapshot());
        counters.AddRange(_transport.Snapshot());
        counters.AddRange(SecurityCounters());
        counters.AddRange(LinkCounters());
        counters.Add(new("schedule_misses", _stalls.Stalls));
        counters.Add(new("longest_stall_ms", (long)_stalls.LongestStall.TotalMilliseconds));
        counters.Add(new("input_queue_drops", _queue.DroppedPackets));
        counters.Add(new("ipc_clients", _sessions.Count));
        counters.Add(new("pending_send_bytes", _node.Membership.PendingBytes));
        counters.Add(new("requests_held", _requestsHeld));
        counters.Add(new("requests_waiting", _blocked.Count));
        counters.Add(new("view_members", _node.Membership.CurrentView?.Members.Count ?? 0));
        return counters;
    }
}
