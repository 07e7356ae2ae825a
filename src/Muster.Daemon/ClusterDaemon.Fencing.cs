using Muster.Core;
using Muster.Daemon.Fencing;
using Muster.Daemon.Logging;
using Muster.Daemon.Requests;
using Muster.Ipc.Contracts;
using Muster.Node.Fencing;
using Muster.Wire;

namespace Muster.Daemon;

// The shell side of fencing: agents run off the event loop, and their results come back as inputs.
internal sealed partial class ClusterDaemon
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<int> _recoveryTrackers = [];

    private static void RegisterFencing(RequestTable table, ClusterDaemon daemon) =>
        table
            .On<GetFencingRequest>((c, _) => c.Reply(daemon.BuildFencing(c.Now)))
            .On<FenceRequest>((c, r) => daemon.Fence(c, r))
            .On<TrackRecoveryRequest>((c, _) =>
            {
                daemon._recoveryTrackers.Add(c.Session.Id);
                return c.Ok();
            })
            .On<StopTrackRecoveryRequest>((c, _) =>
            {
                daemon._recoveryTrackers.Remove(c.Session.Id);
                return c.Ok();
            });

    private void OnNodeRecoverable(NodeRecoverable gate)
    {
        DaemonLog.NodeRecoverable(_log, gate.Node, gate.Incarnation, gate.How == FenceOutcome.Acknowledged ? "acknowledged" : "fenced", gate.View.ToString());
        var ev = new NodeRecoverableEvent(gate.Node, NameOf(gate.Node), gate.Incarnation,
            gate.How == FenceOutcome.Acknowledged ? "acknowledged" : "fenced", gate.View);
        foreach (int sessionId in _recoveryTrackers)
        {
            if (_sessions.TryGetValue(sessionId, out var session))
            {
                session.TryEnqueueEvent(ev);
            }
        }
    }

    private FencingResponse BuildFencing(Instant now)
    {
        var state = (FencingStateResponse)_node.Request(ServiceId.Fencing, new FencingQuery(), now);
        return new FencingResponse(
            [.. state.Pending.Select(p => new FencePendingInfo(p.Node, NameOf(p.Node), p.Incarnation, FenceActions.Name(p.Action), p.Attempts, p.Actor,
                p.RequestedBy))],
            state.AwaitingRecovery,
            [.. state.History.Select(h => new FenceHistoryInfo(now - h.At, h.Target, NameOf(h.Target), h.Incarnation, h.Level, h.Device,
                FenceActions.Name(h.Action), Outcome(h.Outcome), h.Duration, h.Actor, h.RequestedBy, h.Output))]);
    }

    private static string Outcome(FenceOutcome outcome) => outcome switch
    {
        FenceOutcome.Succeeded => "succeeded",
        FenceOutcome.Failed => "failed",
        FenceOutcome.TimedOut => "timed_out",
        FenceOutcome.Acknowledged => "acknowledged",
        _ => "unknown",
    };

    private RequestOutcome Fence(RequestContext c, FenceRequest r)
    {
        uint uid = c.Session.UserId;
        Node.Services.ServiceRequest request;
        if (r.Acknowledge)
        {
            request = new AcknowledgeFence(r.Node, uid);
        }
        else
        {
            var action = r.Action switch
            {
                "reboot" or "" => FenceAction.Reboot,
                "off" => FenceAction.Off,
                _ => (FenceAction?)null,
            };
            if (action is null)
            {
                return c.Error(ErrorCode.InvalidParameter, $"'{r.Action}' is not a fencing action (expected reboot or off)");
            }

            request = new FenceNode(r.Node, action.Value, r.Force, uid);
        }

        var response = (Node.Fencing.FenceChangeResponse)_node.Request(ServiceId.Fencing, request, c.Now);
        DaemonLog.FenceRequested(_log, c.Session, r.Node, r.Acknowledge ? "acknowledge" : "fence", response.Accepted, response.Message);
        return response.Accepted ? c.Reply(new Ipc.Contracts.FenceChangeResponse(response.Message)) : c.Error(ErrorCode.BadOperation, response.Message);
    }

    private void RunFenceAgentInBackground(RunFenceAgent run)
    {
        DaemonLog.FenceAgentStarting(_log, run.Agent, run.Device, FenceActions.Name(run.Action), run.Target);
        _ = Task.Run(async () =>
        {
            FenceAgentOutcome outcome;
            try
            {
                outcome = await FenceAgentRunner.RunAsync(run.Agent, run.Stdin, run.Timeout, _time, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            DaemonLog.FenceAgentFinished(_log, run.Agent, run.Device, run.Target, outcome.ExitCode, outcome.TimedOut,
                outcome.Duration.TotalMilliseconds, outcome.Output);
            _queue.Enqueue(new DaemonInput(InputKind.ServiceInput, Service: ServiceId.Fencing,
                ServiceInput: new FenceAgentCompleted(run.Operation, outcome.ExitCode, outcome.TimedOut, outcome.Output, outcome.Duration)));
        });
    }
}
