using Muster.Core;
using Muster.Daemon.Logging;
using Muster.Daemon.Requests;
using Muster.Ipc.Contracts;
using Muster.Node.Quorum;
using Muster.Node.Services;
using Muster.Wire;
using NodeQuorumReason = Muster.Node.Quorum.QuorumReason;

namespace Muster.Daemon;

// The quorum service's requests and its change stream to the clients that track it.
internal sealed partial class ClusterDaemon
{
    private readonly HashSet<int> _quorumTrackers = [];
    private EffectiveQuorumOptions _quorumOptions = null!;

    private QuorumService Quorum => (QuorumService)_node.Services[1];

    private static void RegisterQuorum(RequestTable table, ClusterDaemon daemon)
    {
        table
            .On<GetQuorumRequest>((c, _) => c.Reply(new QuorumResponse(daemon.ToIpc(daemon.Quorum.State))))
            .On<TrackQuorumRequest>((c, _) =>
            {
                daemon._quorumTrackers.Add(c.Session.Id);
                return c.Ok();
            })
            .On<StopTrackQuorumRequest>((c, _) =>
            {
                daemon._quorumTrackers.Remove(c.Session.Id);
                return c.Ok();
            })
            .On<SetQuorumRequest>((c, r) => daemon.SetQuorum(c, r));
    }

    private RequestOutcome SetQuorum(RequestContext c, SetQuorumRequest r)
    {
        uint uid = c.Session.UserId;
        ServiceRequest? request = r.Setting switch
        {
            QuorumSetting.ExpectedVotes => new SetExpectedVotes(r.Value, uid),
            QuorumSetting.NodeVotes => new SetNodeVotes(r.Node, r.Value, uid),
            QuorumSetting.Unblock => new CancelWaitForAll(uid),
            _ => null,
        };
        if (request is null)
        {
            return c.Error(ErrorCode.InvalidParameter, $"unknown quorum setting {(byte)r.Setting}");
        }

        var response = (Node.Quorum.QuorumChangeResponse)_node.Request(ServiceId.Quorum, request, c.Now);
        DaemonLog.QuorumChangeRequested(_log, c.Session, r.Setting, r.Value, response.Accepted, response.Message);
        return response.Accepted
            ? c.Reply(new Ipc.Contracts.QuorumChangeResponse(response.Message, response.Override))
            : c.Error(ErrorCode.BadOperation, response.Message);
    }

    private void OnQuorumChanged(QuorumState state)
    {
        if (_quorumTrackers.Count == 0)
        {
            return;
        }

        var ev = new QuorumChangedEvent(ToIpc(state));
        foreach (int sessionId in _quorumTrackers)
        {
            if (_sessions.TryGetValue(sessionId, out var session))
            {
                session.TryEnqueueEvent(ev);
            }
        }
    }

    private QuorumInfo ToIpc(QuorumState state) => new(
        state.View,
        state.Quorate,
        state.ExpectedVotes,
        state.HighestExpected,
        state.TotalVotes,
        state.Quorum,
        // The node's flags and the wire's have the same bits (a test keeps them so); the reasons are renumbered.
        (Ipc.Contracts.QuorumFlags)(ushort)state.Flags,
        state.Reason switch
        {
            NodeQuorumReason.EnoughVotes => Ipc.Contracts.QuorumReason.EnoughVotes,
            NodeQuorumReason.TwoNode => Ipc.Contracts.QuorumReason.TwoNode,
            NodeQuorumReason.TieBreaker => Ipc.Contracts.QuorumReason.TieBreaker,
            NodeQuorumReason.WaitingForAll => Ipc.Contracts.QuorumReason.WaitingForAll,
            _ => Ipc.Contracts.QuorumReason.NotEnoughVotes,
        },
        state.Synced,
        [.. state.Members.Select(m => new QuorumNode(m.Node, NameOf(m.Node), m.Votes, m.ExpectedVotes))]);

}
