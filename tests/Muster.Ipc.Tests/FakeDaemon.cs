using System.Threading.Channels;
using Muster.Core;
using Muster.Ipc.Contracts;

namespace Muster.Ipc.Tests;

// A tiny scripted daemon behind the real IpcServer: it keeps groups and trackers in memory and answers requests
// synchronously (the real daemon posts them to its loop; the server does not care).
internal sealed class FakeDaemon : IIpcHandler
{
    public static readonly NodeId LocalNode = new(7);

    private readonly Lock _sync = new();
    private readonly Dictionary<string, List<IpcSession>> _groups = new(StringComparer.Ordinal);
    private readonly HashSet<IpcSession> _trackers = [];

    public Channel<IpcSession> Connected { get; } = Channel.CreateUnbounded<IpcSession>();

    public Channel<(IpcSession Session, string Reason)> Disconnected { get; } = Channel.CreateUnbounded<(IpcSession, string)>();

    public Channel<(IpcSession Session, uint RequestId, IpcRequest Request)> Requests { get; } =
        Channel.CreateUnbounded<(IpcSession, uint, IpcRequest)>();

    public Channel<IpcSession> TrackerAdded { get; } = Channel.CreateUnbounded<IpcSession>();

    public TaskCompletionSource LeaveRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterView View { get; set; } = Samples.ClusterView();

    // When set, GroupSend with NoWait is answered TryAgain (a full send queue).
    public bool SendQueueFull { get; set; }

    public void OnConnected(IpcSession session) => Connected.Writer.TryWrite(session);

    public void OnDisconnected(IpcSession session, string reason)
    {
        lock (_sync)
        {
            _trackers.Remove(session);
            foreach (var (name, members) in _groups.ToArray())
            {
                if (members.Remove(session))
                {
                    Broadcast(name, left: [new(Member(session), GroupChangeReason.ProcessDown)], joined: []);
                }

                if (members.Count == 0)
                {
                    _groups.Remove(name);
                }
            }
        }

        Disconnected.Writer.TryWrite((session, reason));
    }

    public void OnRequest(IpcSession session, uint requestId, IpcRequest request)
    {
        Requests.Writer.TryWrite((session, requestId, request));
        lock (_sync)
        {
            switch (request)
            {
                case GetStatusRequest:
                    session.Reply(requestId, new StatusResponse(
                        LocalNode, "node7", "test-cluster", View.ViewId, "operational", 1, View.Members,
                        [new("token", TimeSpan.FromSeconds(3))], [new("messages_sent", 42)]));
                    break;
                case GetMembersRequest:
                    session.Reply(requestId, new MembersResponse(View));
                    break;
                case TrackMembershipRequest:
                    _trackers.Add(session);
                    session.ReplyOk(requestId);
                    TrackerAdded.Writer.TryWrite(session);
                    break;
                case StopTrackMembershipRequest:
                    _trackers.Remove(session);
                    session.ReplyOk(requestId);
                    break;
                case GroupJoinRequest join:
                    if (_groups.TryGetValue(join.Group, out var existing) && existing.Contains(session))
                    {
                        session.ReplyError(requestId, ErrorCode.Exist, $"already joined {join.Group}");
                        break;
                    }

                    if (existing is null)
                    {
                        existing = [];
                        _groups[join.Group] = existing;
                    }

                    existing.Add(session);
                    // The change goes out before the answer, so the joiner's stream holds it by the time JoinAsync returns.
                    Broadcast(join.Group, joined: [new(Member(session), GroupChangeReason.Join)], left: []);
                    session.ReplyOk(requestId);
                    break;
                case GroupLeaveRequest leave:
                    if (!_groups.TryGetValue(leave.Group, out var members) || !members.Remove(session))
                    {
                        session.ReplyError(requestId, ErrorCode.NotExist, $"not in {leave.Group}");
                        break;
                    }

                    Broadcast(leave.Group, joined: [], left: [new(Member(session), GroupChangeReason.Leave)]);
                    if (members.Count == 0)
                    {
                        _groups.Remove(leave.Group);
                    }

                    session.ReplyOk(requestId);
                    break;
                case GroupSendRequest send:
                    if (!_groups.TryGetValue(send.Group, out var targets) || !targets.Contains(session))
                    {
                        session.ReplyError(requestId, ErrorCode.NotExist, $"not in {send.Group}");
                        break;
                    }

                    if (SendQueueFull && (send.Flags & GroupSendFlags.NoWait) != 0)
                    {
                        session.ReplyError(requestId, ErrorCode.TryAgain, "send queue full");
                        break;
                    }

                    var message = EncodedEvent.Create(new GroupMessageEvent(send.Group, Member(session), send.Payload));
                    foreach (var target in targets)
                    {
                        target.TryEnqueueEvent(message);
                    }

                    session.ReplyOk(requestId);
                    break;
                case GetGroupsRequest:
                    session.Reply(requestId, new GroupsResponse([.. _groups.Select(g => new GroupSummary(g.Key, g.Value.Count))]));
                    break;
                case GetGroupMembersRequest get:
                    if (!_groups.TryGetValue(get.Group, out var list))
                    {
                        session.ReplyError(requestId, ErrorCode.NotExist, $"no group {get.Group}");
                        break;
                    }

                    session.Reply(requestId, new GroupMembersResponse([.. list.Select(Member)]));
                    break;
                case LeaveClusterRequest:
                    session.ReplyOk(requestId);
                    LeaveRequested.TrySetResult();
                    break;
                default:
                    session.ReplyError(requestId, ErrorCode.NotSupported, request.Type.ToString());
                    break;
            }
        }
    }

    public void PublishViewChange(ClusterView view, IReadOnlyList<MemberChange> changes)
    {
        lock (_sync)
        {
            View = view;
            var encoded = EncodedEvent.Create(new MembershipChangedEvent(view, changes));
            foreach (var tracker in _trackers)
            {
                tracker.TryEnqueueEvent(encoded);
            }
        }
    }

    // The fake reports the session id as the pid so that two clients of this one test process differ.
    public static GroupMember Member(IpcSession session) => new(LocalNode, (uint)session.Id);

    private void Broadcast(string group, IReadOnlyList<GroupMemberChange> joined, IReadOnlyList<GroupMemberChange> left)
    {
        if (!_groups.TryGetValue(group, out var members))
        {
            return;
        }

        var change = EncodedEvent.Create(new GroupMembershipChangedEvent(group, View.ViewId, [.. members.Select(Member)], joined, left));
        foreach (var member in members)
        {
            member.TryEnqueueEvent(change);
        }
    }
}
