using Muster.Core;
using Muster.Node.Services;

namespace Muster.Node.Fencing;

/// <summary>How a pending fence ended, or one step of it went.</summary>
public enum FenceOutcome
{
    /// <summary>The agent succeeded (exit 0).</summary>
    Succeeded = 1,

    /// <summary>The agent failed (a non-zero exit).</summary>
    Failed = 2,

    /// <summary>The agent did not finish within the device's timeout.</summary>
    TimedOut = 3,

    /// <summary>An operator confirmed the node is off (<c>muster fence ack</c>).</summary>
    Acknowledged = 4,
}

/// <summary>A node that failed and is not fenced yet: nothing it held may be recovered.</summary>
/// <param name="Node">The node.</param>
/// <param name="Incarnation">The incarnation that failed (a later one does not cancel the fence).</param>
/// <param name="Action">The action it is fenced with.</param>
/// <param name="Attempts">Attempts that failed so far (every level of the node failed in each).</param>
/// <param name="Actor">The member that runs the next attempt (lowest node id first, rotated after each failure).</param>
/// <param name="RequestedBy">Who asked: "membership" for a failure, "uid N" for <c>muster fence</c>.</param>
/// <param name="Latest">The latest incarnation that failed while it was pending (the fence must cover it too).</param>
public sealed record PendingFence(NodeId Node, ulong Incarnation, FenceAction Action, int Attempts, NodeId Actor, string RequestedBy, ulong Latest = 0);

/// <summary>One entry of the fence history (<c>muster fence history</c>).</summary>
/// <param name="At">When this node learned of it (its own clock).</param>
/// <param name="Target">The node fenced.</param>
/// <param name="Incarnation">Its incarnation.</param>
/// <param name="Level">The level (0 for an acknowledgement).</param>
/// <param name="Device">The device ("" for an acknowledgement).</param>
/// <param name="Action">The action.</param>
/// <param name="Outcome">What came of it.</param>
/// <param name="Duration">How long the agent ran.</param>
/// <param name="Actor">The member that ran it (or acknowledged it).</param>
/// <param name="RequestedBy">Who asked.</param>
/// <param name="Output">The agent's last output lines (bounded).</param>
public sealed record FenceHistoryEntry(
    Instant At, NodeId Target, ulong Incarnation, int Level, string Device, FenceAction Action, FenceOutcome Outcome, TimeSpan Duration,
    NodeId Actor, string RequestedBy, string Output);

/// <summary>Run a fence agent (the shell starts the process, writes <paramref name="Stdin"/>, waits at most <paramref name="Timeout"/>).</summary>
/// <param name="Operation">Its id: the result comes back with it (<see cref="FenceAgentCompleted"/>).</param>
/// <param name="Target">The node being fenced.</param>
/// <param name="Device">The device's name.</param>
/// <param name="Agent">The executable.</param>
/// <param name="Action">The action.</param>
/// <param name="Stdin">The key=value lines, in order (action first).</param>
/// <param name="Timeout">After this the shell kills the agent and reports a timeout.</param>
/// <remarks>Start it at once: the service has waited out the device's delay already.</remarks>
public sealed record RunFenceAgent(
    long Operation, NodeId Target, string Device, string Agent, FenceAction Action, IReadOnlyList<string> Stdin, TimeSpan Timeout) : ServiceEffect;

/// <summary>A fence agent finished (or was killed at its timeout).</summary>
/// <param name="Operation">The id of its <see cref="RunFenceAgent"/>.</param>
/// <param name="ExitCode">Its exit status (-1 when it could not be started).</param>
/// <param name="TimedOut">It was killed at the timeout.</param>
/// <param name="Output">Its last output lines, bounded by the shell.</param>
/// <param name="Duration">How long it ran.</param>
public sealed record FenceAgentCompleted(long Operation, int ExitCode, bool TimedOut, string Output, TimeSpan Duration) : ServiceInput;

/// <summary>
/// The recovery gate: <paramref name="Node"/>, which failed, may be recovered now: this partition is quorate and the
/// failed incarnation was fenced or acknowledged. What the lock manager waits on.
/// </summary>
/// <param name="Node">The node.</param>
/// <param name="Incarnation">The incarnation that failed.</param>
/// <param name="How">Fenced or acknowledged.</param>
/// <param name="View">The view in which the gate opened.</param>
public sealed record NodeRecoverable(NodeId Node, ulong Incarnation, FenceOutcome How, ViewId View) : ServiceEffect;

/// <summary>Asks for the fencing state (answered with <see cref="FencingStateResponse"/>).</summary>
public sealed record FencingQuery : ServiceRequest;

/// <summary>The fencing state: what is pending, what failed nodes await recovery, the history (newest last).</summary>
public sealed record FencingStateResponse(
    IReadOnlyList<PendingFence> Pending, IReadOnlyList<(NodeId Node, ulong Incarnation)> AwaitingRecovery,
    IReadOnlyList<FenceHistoryEntry> History) : ServiceResponse;

/// <summary><c>muster fence ack NODE</c>: an operator confirms the node is off (refused while it is in the view).</summary>
public sealed record AcknowledgeFence(NodeId Node, uint RequestedBy) : ServiceRequest;

/// <summary><c>muster fence NODE</c>: fence on demand (needs quorum unless <paramref name="Force"/>).</summary>
public sealed record FenceNode(NodeId Node, FenceAction Action, bool Force, uint RequestedBy) : ServiceRequest;

/// <summary>The answer to <see cref="AcknowledgeFence"/> or <see cref="FenceNode"/>.</summary>
public sealed record FenceChangeResponse(bool Accepted, string Message) : ServiceResponse;
