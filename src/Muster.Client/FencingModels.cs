using Muster.Core;

namespace Muster.Client;

/// <summary>A node pending fence: nothing it held may be recovered until it is fenced or acknowledged.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Incarnation">The incarnation that failed.</param>
/// <param name="Action">"reboot" or "off".</param>
/// <param name="Attempts">Attempts that failed so far.</param>
/// <param name="Actor">The member that runs the next attempt (<see cref="NodeId.None"/>: none can).</param>
/// <param name="RequestedBy">"membership" for a failure, "uid N" for an operator.</param>
public sealed record PendingFence(NodeId NodeId, string Name, ulong Incarnation, string Action, int Attempts, NodeId Actor, string RequestedBy);

/// <summary>A failed node whose recovery gate has not opened yet.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Incarnation">The incarnation that failed.</param>
public sealed record FailedNode(NodeId NodeId, ulong Incarnation);

/// <summary>One entry of the fence history (<c>stonith_admin --history</c>).</summary>
/// <param name="Age">How long ago this node learned of it.</param>
/// <param name="Target">The node fenced.</param>
/// <param name="TargetName">Its configured name.</param>
/// <param name="Incarnation">Its incarnation.</param>
/// <param name="Level">The level (0 for an acknowledgement).</param>
/// <param name="Device">The device ("" for an acknowledgement).</param>
/// <param name="Action">"reboot" or "off".</param>
/// <param name="Outcome">"succeeded", "failed", "timed_out" or "acknowledged".</param>
/// <param name="Duration">How long the agent ran.</param>
/// <param name="Actor">Who ran it, or acknowledged it.</param>
/// <param name="RequestedBy">Who asked.</param>
/// <param name="Output">The agent's last output lines.</param>
public sealed record FenceHistoryItem(
    TimeSpan Age, NodeId Target, string TargetName, ulong Incarnation, int Level, string Device, string Action, string Outcome,
    TimeSpan Duration, NodeId Actor, string RequestedBy, string Output);

/// <summary>The recovery gate opened for a failed node: what it held may be recovered now.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Incarnation">The incarnation that failed.</param>
/// <param name="How">"fenced" or "acknowledged".</param>
/// <param name="ViewId">The view in which the gate opened.</param>
public sealed record NodeRecovery(NodeId NodeId, string Name, ulong Incarnation, string How, ViewId ViewId);

/// <summary>The fencing state of this node's partition.</summary>
/// <param name="Pending">Nodes pending fence.</param>
/// <param name="AwaitingRecovery">Failed nodes whose recovery gate has not opened.</param>
/// <param name="History">Every fencing step, oldest first.</param>
public sealed record FencingState(IReadOnlyList<PendingFence> Pending, IReadOnlyList<FailedNode> AwaitingRecovery, IReadOnlyList<FenceHistoryItem> History);
