using Muster.Core;
using Muster.Wire;

namespace Muster.Node.Services;

/// <summary>Where a <see cref="SyncBarrier"/> is in its life.</summary>
public enum SyncState : byte
{
    /// <summary>Initialised, waiting for the service's condition and its gates.</summary>
    Open = 1,
    /// <summary>Completed: the service was activated.</summary>
    Activated = 2,
    /// <summary>Ended by the next change before it completed.</summary>
    Aborted = 3,
}

/// <summary>
/// One sync barrier of one service: for a view (<see cref="Scope"/> "") or for a membership change of a scope the
/// service owns (a lockspace). It is activated once the service's <see cref="INodeService.SyncProcess"/> says its
/// condition holds and every gate it holds has been opened by an input (<see cref="ClusterNode.OpenGate"/>); the next
/// change of the same scope aborts it first.
/// </summary>
public sealed class SyncBarrier
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);

    internal SyncBarrier(ServiceId service, string scope, ulong epoch, ViewId view, IReadOnlyList<MemberId> members)
    {
        Service = service;
        Scope = scope;
        Epoch = epoch;
        View = view;
        Members = members;
    }

    /// <summary>The service it belongs to.</summary>
    public ServiceId Service { get; }

    /// <summary>"" for the view's barrier, else the service's own scope.</summary>
    public string Scope { get; }

    /// <summary>Counts the barriers of this service and scope on this node, from 1.</summary>
    public ulong Epoch { get; }

    /// <summary>The view it began in.</summary>
    public ViewId View { get; }

    /// <summary>Who takes part.</summary>
    public IReadOnlyList<MemberId> Members { get; }

    /// <summary>Where it is.</summary>
    public SyncState State { get; internal set; } = SyncState.Open;

    /// <summary>The gates still closed.</summary>
    public IReadOnlyCollection<string> HeldGates => _held;

    /// <summary>
    /// Keeps the barrier from activating until an input opens <paramref name="gate"/> (the lock manager holds
    /// "fencing" until every failed member is fenced).
    /// </summary>
    public void Hold(string gate)
    {
        ArgumentException.ThrowIfNullOrEmpty(gate);
        if (State != SyncState.Open)
        {
            throw new InvalidOperationException($"the {Service} barrier '{Scope}' is {State}: only an open barrier holds gates");
        }

        _held.Add(gate);
    }

    internal bool OpenGate(string gate) => _held.Remove(gate);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Service} barrier{(Scope.Length == 0 ? "" : $" '{Scope}'")} #{Epoch} in {View} ({State})";
}
