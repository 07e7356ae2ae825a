using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Wire;

namespace Muster.Node.Services;

/// <summary>What a service may do: everything goes through here, so the node's loop sees it (one per service).</summary>
public interface IServiceHost
{
    /// <summary>This node and its incarnation.</summary>
    MemberId Self { get; }

    /// <summary>The installed view (null before the first one).</summary>
    View? CurrentView { get; }

    /// <summary>The time of the input being handled.</summary>
    Instant Now { get; }

    /// <summary>Largest ordered message, in bytes of the service's own payload.</summary>
    int MaxMessageSize { get; }

    /// <summary>Largest point-to-point payload.</summary>
    int MaxDirectPayload { get; }

    /// <summary>
    /// True when the current view carries this service's messages: a view with a member that speaks only wire version 2
    /// carries the group layer's alone, and has no point-to-point messages.
    /// </summary>
    bool Supported { get; }

    /// <summary>Queues an ordered message of this service (see <see cref="MembershipEngine.Submit(ServiceId, ReadOnlySpan{byte}, bool, bool)"/>).</summary>
    SubmitResult Submit(ReadOnlySpan<byte> payload, bool control = false, bool force = false);

    /// <summary>True when a message of <paramref name="size"/> bytes would pass flow control now.</summary>
    bool CanSubmit(int size);

    /// <summary>Queues a point-to-point message to the same service on a member of the current view.</summary>
    DirectResult SendDirect(NodeId destination, ReadOnlySpan<byte> payload);

    /// <summary>
    /// Hands a group event to its local endpoint: an IPC session's go to the shell, an in-node endpoint's to the
    /// service that opened it.
    /// </summary>
    void Deliver(GroupEvent ev);

    /// <summary>
    /// Opens a local endpoint owned by this service: it can join process groups like an IPC session, and its group
    /// events come to <see cref="INodeService.OnGroupEvent"/>. In-node endpoints are negative; IPC sessions positive.
    /// </summary>
    int OpenEndpoint();

    /// <summary>Begins a barrier for a scope of this service's own (a lockspace whose members changed), aborting an open one of that scope.</summary>
    /// <param name="scope">The scope's name (not empty: "" is the view's barrier, which the node begins itself).</param>
    /// <param name="members">Who takes part.</param>
    SyncBarrier BeginSync(string scope, IReadOnlyList<MemberId> members);

    /// <summary>The services of this node, in routing order (a service may use another, such as the group layer).</summary>
    IReadOnlyList<INodeService> Services { get; }

    /// <summary>
    /// An effect for the shell to carry out (run a fence agent, tell clients of a quorum change); its result, if any,
    /// comes back as an input. The shell gets it after the event being handled, so clients see a view change before
    /// the quorum change it caused.
    /// </summary>
    void Emit(ServiceEffect effect);

    /// <summary>A log line, with the service's name.</summary>
    void Log(LogLevel level, string text);
}
