using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node.Services;
using Muster.Wire;

namespace Muster.Node;

/// <summary>
/// Where a <see cref="ClusterNode"/> puts its effects, in the order they must be carried out: within each round of the
/// node's loop, the view-sequence mark is persisted before any packet of that round leaves (a proposal carrying the
/// mark may be among them), then packets are sent, then events are handed over. The daemon carries them out on real
/// sockets and IPC sessions; the simulator and the tests on their virtual network.
/// </summary>
public interface INodeEffects
{
    /// <summary>Makes the view-sequence mark durable. Called before the round's packets are sent.</summary>
    void PersistViewSequence(ulong mark);

    /// <summary>
    /// Sends one datagram. The buffer is never written again once handed over (one buffer may go to several
    /// destinations), so it may be kept, for example queued on a virtual network.
    /// </summary>
    void Send(NodeId destination, byte[] buffer, int length);

    /// <summary>The round's packets have all been handed to <see cref="Send"/> (a transport may flush a batch here).</summary>
    void SendsDone();

    /// <summary>
    /// A membership event, after the node's services have seen it; <paramref name="groupEvents"/> are the events the
    /// services produced from it for local endpoints owned by the shell (IPC sessions: deliveries, joins, leaves),
    /// valid only during the call. Events for endpoints of in-node services went to those services.
    /// Handling it may submit to the node (the group layer or the engine), never send: the node's loop sends what
    /// was submitted in its next round.
    /// </summary>
    void OnEvent(in MembershipEvent ev, IReadOnlyList<GroupEvent> groupEvents);

    /// <summary>
    /// Group events for the shell's endpoints that came from an input with no engine event (a gate opened, a service
    /// input, a client request to a service), valid only during the call.
    /// </summary>
    void OnLocalEvents(IReadOnlyList<GroupEvent> groupEvents);

    /// <summary>An effect a service asks the shell to carry out; its result comes back through <see cref="ClusterNode.Input"/>.</summary>
    void OnServiceEffect(ServiceId service, ServiceEffect effect)
    {
    }

    /// <summary>A log line from the node or one of its services (the engine's own come as events).</summary>
    void Log(LogLevel level, string text)
    {
    }
}
