namespace Muster.Configuration;

/// <summary>One <c>[[fence_device]]</c>: a fence agent and what it is given (Pacemaker's stonith resource).</summary>
/// <param name="Name">Unique; levels name it.</param>
/// <param name="Agent">The agent: a name found in /usr/sbin (<c>fence_ipmilan</c>) or a path.</param>
/// <param name="Parameters">Lines given to the agent on stdin, <c>key=value</c>, in order (<c>ipaddr=10.0.0.9</c>).</param>
/// <param name="HostMap">Each node's plug on this device, by node name (Pacemaker's <c>pcmk_host_map</c>); a node not listed is passed by name.</param>
/// <param name="Timeout">How long one action may take (default 20 s, at most 10 min).</param>
/// <param name="Retries">Further tries of a failed action on this device (0 .. 10; default 0).</param>
/// <param name="DelayBase">A fixed delay before fencing with it (<c>pcmk_delay_base</c>; default 0).</param>
/// <param name="DelayMax">A random delay up to this, added (<c>pcmk_delay_max</c>; default 0).</param>
public sealed record FenceDeviceConfig(
    string Name,
    string Agent,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyList<KeyValuePair<string, string>> HostMap,
    TimeSpan Timeout,
    int Retries = 0,
    TimeSpan DelayBase = default,
    TimeSpan DelayMax = default)
{
    /// <summary>The default <see cref="Timeout"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <inheritdoc/>
    public bool Equals(FenceDeviceConfig? other) =>
        other is not null && Name == other.Name && Agent == other.Agent && Parameters.SequenceEqual(other.Parameters)
        && HostMap.SequenceEqual(other.HostMap) && Timeout == other.Timeout && Retries == other.Retries && DelayBase == other.DelayBase
        && DelayMax == other.DelayMax;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Agent, Timeout, Retries);
}

/// <summary>One <c>[[fence_level]]</c>: a level of a node's fencing topology (Pacemaker's <c>fencing-level</c>).</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Index">1 .. 9; levels are tried in ascending order until one succeeds.</param>
/// <param name="Devices">Devices that must all succeed, in order.</param>
public sealed record FenceLevelConfig(string Node, int Index, IReadOnlyList<string> Devices)
{
    /// <inheritdoc/>
    public bool Equals(FenceLevelConfig? other) =>
        other is not null && Node == other.Node && Index == other.Index && Devices.SequenceEqual(other.Devices);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Node, Index, Devices.Count);
}

/// <summary>The fencing configuration: <c>[fencing]</c>, <c>[[fence_device]]</c> and <c>[[fence_level]]</c>.</summary>
public sealed record FencingConfig
{
    /// <summary><c>fencing.action</c>: <c>"reboot"</c> (default, as Pacemaker's <c>fencing-action</c>) or <c>"off"</c>.</summary>
    public string Action { get; init; } = "reboot";

    /// <summary>The devices, in file order.</summary>
    public IReadOnlyList<FenceDeviceConfig> Devices { get; init; } = [];

    /// <summary>The levels, in file order.</summary>
    public IReadOnlyList<FenceLevelConfig> Levels { get; init; } = [];

    /// <summary>True when nothing is configured (the writer then leaves the tables out).</summary>
    public bool IsEmpty => Action == "reboot" && Devices.Count == 0 && Levels.Count == 0;

    /// <inheritdoc/>
    public bool Equals(FencingConfig? other) =>
        other is not null && Action == other.Action && Devices.SequenceEqual(other.Devices) && Levels.SequenceEqual(other.Levels);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Action, Devices.Count, Levels.Count);
}
