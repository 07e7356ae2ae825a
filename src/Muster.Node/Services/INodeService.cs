using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Wire;

namespace Muster.Node.Services;

/// <summary>
/// A service of the composed node (the group layer; later quorum, fencing, the lock manager), shaped after Corosync's
/// service engine (<c>coroapi.h</c>): handlers for client requests, for ordered cluster messages and for
/// point-to-point messages, a view-change callback, and a sync barrier (<see cref="SyncInit"/>,
/// <see cref="SyncProcess"/>, <see cref="SyncActivate"/>, <see cref="SyncAbort"/>).
/// </summary>
/// <remarks>
/// A service is pure, like the engine: it reacts to what the node hands it and acts only through its
/// <see cref="IServiceHost"/> (submit, send point-to-point, deliver to a local endpoint, emit an effect for the shell,
/// log). The node calls it from one thread, one input at a time, and runs each input to quiescence. Every method
/// but <see cref="Id"/> and <see cref="Name"/> has a default that does nothing, so a service implements only what it
/// uses. A service must not call back into the <see cref="ClusterNode"/> itself: it submits through its host, and the
/// node's loop sends.
/// </remarks>
public interface INodeService
{
    /// <summary>Its id on the wire (ordered and point-to-point messages are routed by it).</summary>
    ServiceId Id { get; }

    /// <summary>A short name for logs and errors.</summary>
    string Name { get; }

    /// <summary>When <see cref="OnTick"/> is next due (<see cref="Instant.Never"/>: never).</summary>
    Instant NextDeadline => Instant.Never;

    /// <summary>A new view was installed (after every message of the old view). Called before the view's barrier starts.</summary>
    void OnViewChanged(ViewChange change)
    {
    }

    /// <summary>An ordered message of this service, in the total order every member sees.</summary>
    /// <param name="sender">Who sent it.</param>
    /// <param name="messageNo">The sender's message number (0 for a view-scoped control message).</param>
    /// <param name="payload">The service's bytes (untrusted: another node's); the service may keep the array.</param>
    void OnOrdered(MemberId sender, ulong messageNo, byte[] payload)
    {
    }

    /// <summary>A point-to-point message of this service from a member of the current view (untrusted bytes).</summary>
    void OnDirect(MemberId sender, byte[] payload)
    {
    }

    /// <summary>
    /// One of this service's own ordered messages handed back: <paramref name="outcomeUnknown"/> when it may or may
    /// not have been delivered on the other side of a view change, else never ordered anywhere (submit it again if
    /// it is still wanted). They come in their original order, before the view change.
    /// </summary>
    void OnReturned(byte[] payload, bool outcomeUnknown)
    {
    }

    /// <summary>A client request for this service (see <see cref="ClusterNode.Request"/>).</summary>
    ServiceResponse OnRequest(ServiceRequest request) => ServiceResponse.Unsupported;

    /// <summary>An input from the shell for this service: the completion of an effect it asked for, say.</summary>
    void OnInput(ServiceInput input)
    {
    }

    /// <summary>Its deadline (<see cref="NextDeadline"/>) has passed.</summary>
    void OnTick(Instant now)
    {
    }

    /// <summary>A group event for a local endpoint this service opened (<see cref="IServiceHost.OpenEndpoint"/>).</summary>
    void OnGroupEvent(GroupEvent ev)
    {
    }

    /// <summary>
    /// A barrier starts: at every view change (scope "") and whenever the service begins one for a scope of its own
    /// (<see cref="IServiceHost.BeginSync"/>). The service exchanges what it must (ordered messages, say) and may hold
    /// gates (<see cref="SyncBarrier.Hold"/>) that an input must open.
    /// </summary>
    void SyncInit(SyncBarrier barrier)
    {
    }

    /// <summary>
    /// Asked after every input while the barrier is open and its gates are open: true when the service's own condition
    /// holds (groups: every member's sync has arrived). The barrier is then activated.
    /// </summary>
    bool SyncProcess(SyncBarrier barrier) => true;

    /// <summary>The barrier is complete: the service resumes normal operation in the new membership.</summary>
    void SyncActivate(SyncBarrier barrier)
    {
    }

    /// <summary>The next change began before the barrier completed; a new barrier follows at once.</summary>
    void SyncAbort(SyncBarrier barrier)
    {
    }
}
