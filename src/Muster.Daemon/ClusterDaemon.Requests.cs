using System.Net;
using Muster.Core;
using Muster.Ipc;
using Muster.Ipc.Contracts;
using Muster.Membership;
using Muster.Node.Groups;

namespace Muster.Daemon;

// Client requests (CLM and CPG shapes) and membership tracking.
internal sealed partial class ClusterDaemon
{
    /// <summary>Handles one request. False: blocked by flow control, retry later (the client is waiting).</summary>
    private bool HandleRequest(in DaemonInput input, Instant now)
    {
        var session = input.Session!;
        uint id = input.RequestId;
        if (session.IsClosed)
        {
            return true;
        }

        uint pid = (uint)session.ProcessId;
        switch (input.Request)
        {
            case GetStatusRequest:
                session.Reply(id, BuildStatus());
                return true;
            case GetMembersRequest:
                session.Reply(id, new MembersResponse(BuildView()));
                return true;
            case TrackMembershipRequest track:
                _trackers[session.Id] = track.Flags;
                session.ReplyOk(id);
                if ((track.Flags & TrackFlags.Current) != 0 && _node.Membership.CurrentView is not null)
                {
                    session.TryEnqueueEvent(new MembershipChangedEvent(BuildView(),
                        [.. BuildView().Members.Select(m => new Ipc.Contracts.MemberChange(m.NodeId, m.Incarnation, m.Name,
                            MembershipChange.NoChange, "current"))]));
                }

                return true;
            case StopTrackMembershipRequest:
                _trackers.Remove(session.Id);
                session.ReplyOk(id);
                return true;
            case GroupJoinRequest join:
                return Answer(session, id, _node.Groups.Join(join.Group, pid, session.Id), join.Group, blockOnTryAgain: true);
            case GroupLeaveRequest leave:
                return Answer(session, id, _node.Groups.Leave(leave.Group, pid, session.Id), leave.Group, blockOnTryAgain: true);
            case GroupSendRequest send:
                var result = _node.Groups.Send(send.Group, pid, session.Id, send.Payload.Span);
                return Answer(session, id, result, send.Group, blockOnTryAgain: (send.Flags & GroupSendFlags.NoWait) == 0);
            case GetGroupsRequest:
                session.Reply(id, new GroupsResponse([.. _node.Groups.Snapshot().Select(g => new GroupSummary(g.Key, g.Value.Count))]));
                return true;
            case GetGroupMembersRequest members:
                var list = _node.Groups.MembersOf(members.Group);
                if (list.Count == 0)
                {
                    session.ReplyError(id, ErrorCode.NotExist, $"no group named '{members.Group}'");
                }
                else
                {
                    session.Reply(id, new GroupMembersResponse([.. list.Select(ToIpc)]));
                }

                return true;
            case GetKeysRequest:
                session.Reply(id, BuildKeys(string.Empty));
                return true;
            case GetLinksRequest:
                session.Reply(id, BuildLinks(now));
                return true;
            case GetRefusalsRequest:
                session.Reply(id, BuildRefusals(now));
                return true;
            case KeyOperationRequest keyOperation:
                HandleKeyRequest(session, id, keyOperation);
                return true;
            case LeaveClusterRequest:
                session.ReplyOk(id);
                LeaveCluster(now, $"requested by client {session}");
                return true;
            default:
                session.ReplyError(id, ErrorCode.NotSupported, $"request {input.Request?.GetType().Name} is not supported");
                return true;
        }
    }

    private static bool Answer(IpcSession session, uint id, GroupRequestResult result, string group, bool blockOnTryAgain)
    {
        switch (result)
        {
            case GroupRequestResult.Ok:
                session.ReplyOk(id);
                return true;
            case GroupRequestResult.TryAgain when blockOnTryAgain:
                return false;
            case GroupRequestResult.TryAgain:
                session.ReplyError(id, ErrorCode.TryAgain, "flow control: the cluster cannot take more messages now; try again");
                return true;
            case GroupRequestResult.Exist:
                session.ReplyError(id, ErrorCode.Exist, $"this process is already a member of group '{group}'");
                return true;
            case GroupRequestResult.NotExist:
                session.ReplyError(id, ErrorCode.NotExist, $"this process is not a member of group '{group}' (join it first)");
                return true;
            case GroupRequestResult.InvalidName:
                session.ReplyError(id, ErrorCode.InvalidParameter, "group names are 1 to 128 bytes of UTF-8 without NUL");
                return true;
            case GroupRequestResult.TooManyGroups:
                session.ReplyError(id, ErrorCode.TooManyGroups, "this node's processes already hold the maximum number of group memberships");
                return true;
            case GroupRequestResult.TooBig:
                session.ReplyError(id, ErrorCode.TooBig, "message larger than limits.max_message_size");
                return true;
            default:
                session.ReplyError(id, ErrorCode.Unavailable, "this node has left the cluster");
                return true;
        }
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

        return input.Request switch
        {
            GroupSendRequest send => (send.Flags & GroupSendFlags.NoWait) == 0,
            GroupJoinRequest or GroupLeaveRequest => true,
            _ => false,
        };
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
