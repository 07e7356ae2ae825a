namespace Muster.Configuration;

/// <summary>How the daemon uses the operating system (the <c>[system]</c> table).</summary>
public sealed record SystemOptions
{
    /// <summary>The default <see cref="StateDirectory"/>.</summary>
    public const string DefaultStateDirectory = "/var/lib/muster";

    /// <summary>Absolute directory where the node persists its incarnation and view sequence (<c>system.state_dir</c>).</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory;

    /// <summary>Try to run with SCHED_RR real-time priority, if permitted (<c>system.sched_rr</c>).</summary>
    public bool SchedRr { get; init; } = true;

    /// <summary>Try to lock the daemon's memory with mlockall, if permitted (<c>system.lock_memory</c>).</summary>
    public bool LockMemory { get; init; } = true;
}
