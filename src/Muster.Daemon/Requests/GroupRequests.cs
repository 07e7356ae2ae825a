using Muster.Ipc.Contracts;
using Muster.Node.Groups;

namespace Muster.Daemon.Requests;

/// <summary>
/// The group service's IPC requests (CPG: cpg_join, cpg_leave, cpg_mcast_joined, cpg_iteration, cpg_membership_get):
/// the one place they are registered, and how the service's results become answers. The service checks the names and
/// sizes; this only words the answer.
/// </summary>
internal static class GroupRequests
{
    /// <summary>Adds the group requests to the table, over the node's group service.</summary>
    public static void Register(RequestTable table, Func<GroupEngine> groups)
    {
        table
            .On<GroupJoinRequest>((c, r) => Answer(c, groups().Join(r.Group, c.ProcessId, c.Session.Id), r.Group, hold: true),
                queuesBehindHeld: static _ => true)
            .On<GroupLeaveRequest>((c, r) => Answer(c, groups().Leave(r.Group, c.ProcessId, c.Session.Id), r.Group, hold: true),
                queuesBehindHeld: static _ => true)
            .On<GroupSendRequest>((c, r) => Send(c, groups(), r), queuesBehindHeld: static r => Waits(r))
            .On<GetGroupsRequest>((c, _) =>
                c.Reply(new GroupsResponse([.. groups().Snapshot().Select(g => new GroupSummary(g.Key, g.Value.Count))])))
            .On<GetGroupMembersRequest>((c, r) => Members(c, groups(), r.Group));
    }

    private static RequestOutcome Members(RequestContext c, GroupEngine groups, string group)
    {
        var result = groups.Members(group, out var members);
        return result == GroupRequestResult.Ok
            ? c.Reply(new GroupMembersResponse([.. members.Select(m => new Ipc.Contracts.GroupMember(m.Node, m.ProcessId))]))
            : result == GroupRequestResult.NotExist
                ? c.Error(ErrorCode.NotExist, $"no group named '{group}'")
                : Answer(c, result, group, hold: false);
    }

    // A send without NoWait waits for room (cpg_mcast_joined blocks in the library for CS_ERR_TRY_AGAIN; here the
    // daemon holds it instead, so a client never retries). NoWait sends get TryAgain at once.
    private static bool Waits(GroupSendRequest r) => (r.Flags & GroupSendFlags.NoWait) == 0;

    private static RequestOutcome Send(RequestContext c, GroupEngine groups, GroupSendRequest r)
    {
        var result = groups.Send(r.Group, c.ProcessId, c.Session.Id, r.Payload.Span);
        if (result == GroupRequestResult.TooBig)
        {
            return c.Error(ErrorCode.TooBig,
                $"message of {r.Payload.Length} bytes exceeds the maximum of {groups.MaxPayload(r.Group)} (limits.max_message_size)");
        }

        return Answer(c, result, r.Group, hold: Waits(r));
    }

    private static RequestOutcome Answer(RequestContext c, GroupRequestResult result, string group, bool hold)
    {
        switch (result)
        {
            case GroupRequestResult.Ok:
                return c.Ok();
            case GroupRequestResult.TryAgain when hold:
                return RequestOutcome.Held;
            case GroupRequestResult.TryAgain:
                return c.Error(ErrorCode.TryAgain, "flow control: the cluster cannot take more messages now; try again");
            case GroupRequestResult.Exist:
                return c.Error(ErrorCode.Exist, $"this process is already a member of group '{group}'");
            case GroupRequestResult.NotExist:
                return c.Error(ErrorCode.NotExist, $"this process is not a member of group '{group}' (join it first)");
            case GroupRequestResult.InvalidName:
                // The service refused the name by GroupName's rule; the same rule says why, as an IPC code.
                var code = IpcValidation.CheckGroupName(group, out string why);
                return c.Error(code == ErrorCode.Ok ? ErrorCode.InvalidParameter : code, why);
            case GroupRequestResult.TooManyGroups:
                return c.Error(ErrorCode.TooManyGroups, "this node's processes already hold the maximum number of group memberships");
            case GroupRequestResult.TooBig:
                return c.Error(ErrorCode.TooBig, "message larger than limits.max_message_size");
            default:
                return c.Error(ErrorCode.Unavailable, "this node has left the cluster");
        }
    }
}
