using Muster.Client.Wire;
using Muster.Core;
using Muster.Ipc.Contracts;
using ErrorCode = Muster.Client.ErrorCode;
using GroupMember = Muster.Client.GroupMember;
using GroupSummary = Muster.Client.GroupSummary;

namespace Muster.Client;

/// <summary>Closed process groups with virtual synchrony, with the semantics of Corosync CPG.</summary>
/// <remarks>
/// <list type="table">
/// <item><term><see cref="JoinAsync"/></term><description><c>cpg_join</c>; the returned <see cref="ProcessGroup"/> is the joined group.</description></item>
/// <item><term><see cref="ListAsync"/></term><description><c>cpg_iteration_initialize(CPG_ITERATION_NAME_ONLY)</c> / <c>cpg_iteration_next</c> / <c>cpg_iteration_finalize</c>, with member counts.</description></item>
/// <item><term><see cref="GetMembersAsync"/></term><description><c>cpg_membership_get</c> (here for any group, joined or not).</description></item>
/// </list>
/// </remarks>
public sealed class ProcessGroups
{
    private readonly MusterClient _client;

    internal ProcessGroups(MusterClient client)
    {
        _client = client;
    }

    /// <summary>Joins this process to a group and returns it; events for it are buffered from the moment of the join.</summary>
    /// <remarks><c>cpg_join</c>. Every member then sees a <see cref="GroupMembershipChange"/> with this process in
    /// <see cref="GroupMembershipChange.Joined"/> (CPG_REASON_JOIN), this process included.</remarks>
    /// <param name="name">The group: 1 to 128 UTF-8 bytes (CPG_MAX_NAME_LENGTH).</param>
    /// <param name="cancellationToken">Cancels waiting for the answer (the join may still take effect).</param>
    /// <exception cref="ArgumentException">The name is empty, too long, or holds a NUL.</exception>
    /// <exception cref="MusterException"><see cref="ErrorCode.Exist"/> when this client already joined the group;
    /// <see cref="ErrorCode.TryAgain"/> while the cluster is reconfiguring.</exception>
    public async Task<ProcessGroup> JoinAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        var group = new ProcessGroup(_client, name);
        // Registered before the request so that no event sent right after the daemon's answer can be missed.
        _client.RegisterGroup(group);
        try
        {
            await _client.RequestAsync<OkResponse>(new GroupJoinRequest(name), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _client.UnregisterGroup(group);
            group.CompleteEvents(null);
            throw;
        }

        return group;
    }

    /// <summary>Lists the cluster's groups with their member counts.</summary>
    /// <remarks><c>cpg_iteration_initialize</c> / <c>cpg_iteration_next</c> / <c>cpg_iteration_finalize</c>, in one call.</remarks>
    public async Task<IReadOnlyList<GroupSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var response = await _client.RequestAsync<GroupsResponse>(GetGroupsRequest.Instance, cancellationToken).ConfigureAwait(false);
        return FromWire.Groups(response.Groups);
    }

    /// <summary>Lists a group's processes, cluster-wide.</summary>
    /// <remarks><c>cpg_membership_get</c>.</remarks>
    /// <exception cref="ArgumentException">The name is not a valid group name.</exception>
    /// <exception cref="MusterException"><see cref="ErrorCode.NotExist"/> when no process is in the group.</exception>
    public async Task<IReadOnlyList<GroupMember>> GetMembersAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        var response = await _client.RequestAsync<GroupMembersResponse>(new GetGroupMembersRequest(name), cancellationToken)
            .ConfigureAwait(false);
        return FromWire.GroupMembers(response.Members);
    }

    internal static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (GroupName.Check(name, out string message) != GroupNameProblem.None)
        {
            throw new ArgumentException(message, nameof(name));
        }
    }
}
