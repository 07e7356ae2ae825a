using Muster.Core;

namespace Muster.Node.Fencing;

/// <summary>What a fence agent is asked to do (the fence-agents protocol's <c>action=</c>).</summary>
public enum FenceAction
{
    /// <summary><c>off</c>: power the node off (the one action every agent has).</summary>
    Off = 1,

    /// <summary><c>on</c>: power on, or unfence (fabric fencing).</summary>
    On = 2,

    /// <summary><c>reboot</c>: off, then on; success is decided by the off part.</summary>
    Reboot = 3,

    /// <summary><c>status</c>: 0 on, 2 off, 1 error.</summary>
    Status = 4,

    /// <summary><c>monitor</c>: the device's health: 0 ok, 1 error, 2 off.</summary>
    Monitor = 5,
}

/// <summary>Names on the agent protocol.</summary>
public static class FenceActions
{
    /// <summary>The word for <c>action=</c>.</summary>
    public static string Name(FenceAction action) => action switch
    {
        FenceAction.Off => "off",
        FenceAction.On => "on",
        FenceAction.Reboot => "reboot",
        FenceAction.Status => "status",
        FenceAction.Monitor => "monitor",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "not a fence action"),
    };
}

/// <summary>One fence device (Pacemaker's stonith resource; cluster.conf's <c>fencedevice</c>).</summary>
/// <param name="Name">Its name, unique.</param>
/// <param name="Agent">The agent executable (<c>fence_ipmilan</c>, a path, ...).</param>
/// <param name="Parameters">What it gets on stdin besides <c>action</c> and <c>plug</c>, in order (<c>ipaddr</c>, <c>login</c>, ...).</param>
/// <param name="HostMap">The plug for each node (Pacemaker's <c>pcmk_host_map</c>); a node not in it is passed by name.</param>
/// <param name="Timeout">How long one action may take; a timeout is a failure.</param>
/// <param name="Retries">How often a failed action is tried again on this device before the level fails.</param>
/// <param name="DelayBase">A fixed delay before each fencing action (<c>pcmk_delay_base</c>), to settle a two-node race.</param>
/// <param name="DelayMax">A random delay up to this is added (<c>pcmk_delay_max</c>).</param>
public sealed record FenceDevice(
    string Name,
    string Agent,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyDictionary<NodeId, string> HostMap,
    TimeSpan Timeout,
    int Retries = 0,
    TimeSpan DelayBase = default,
    TimeSpan DelayMax = default);

/// <summary>
/// One fencing level of a node (Pacemaker's <c>fencing-level</c>): it succeeds only when every device in it succeeds;
/// levels are tried in order until one does.
/// </summary>
/// <param name="Index">1 .. 9, ascending.</param>
/// <param name="Devices">Device names, in the order they are run.</param>
public sealed record FenceLevel(int Index, IReadOnlyList<string> Devices);

/// <summary>The fencing configuration (<c>[[fence_device]]</c>, <c>[[fence_level]]</c>, <c>[fencing]</c>).</summary>
/// <param name="Devices">Every device, by name.</param>
/// <param name="Levels">Each node's levels, in order; a node without levels cannot be fenced (only acknowledged).</param>
/// <param name="NodeNames">Each node's configured name (the default plug, and for messages).</param>
/// <param name="Action">What a failed node is fenced with (<c>fencing.action</c>; Pacemaker's <c>fencing-action</c>, reboot by default).</param>
/// <param name="RetryBase">The first wait after every level failed; it doubles with each failure.</param>
/// <param name="RetryMax">The longest wait between attempts (fencing is retried for as long as it fails).</param>
/// <param name="HistoryLimit">How many history entries are kept.</param>
public sealed record FencingOptions(
    IReadOnlyDictionary<string, FenceDevice> Devices,
    IReadOnlyDictionary<NodeId, IReadOnlyList<FenceLevel>> Levels,
    IReadOnlyDictionary<NodeId, string> NodeNames,
    FenceAction Action = FenceAction.Reboot,
    TimeSpan RetryBase = default,
    TimeSpan RetryMax = default,
    int HistoryLimit = 1000)
{
    /// <summary>The first wait after a failed attempt when <see cref="RetryBase"/> is not set.</summary>
    public static readonly TimeSpan DefaultRetryBase = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait when <see cref="RetryMax"/> is not set.</summary>
    public static readonly TimeSpan DefaultRetryMax = TimeSpan.FromSeconds(60);

    /// <summary>No devices: failed nodes stay pending fence until an operator acknowledges them.</summary>
    public static FencingOptions None(IReadOnlyDictionary<NodeId, string> names) =>
        new(new Dictionary<string, FenceDevice>(), new Dictionary<NodeId, IReadOnlyList<FenceLevel>>(), names);

    internal TimeSpan EffectiveRetryBase => RetryBase > TimeSpan.Zero ? RetryBase : DefaultRetryBase;

    internal TimeSpan EffectiveRetryMax => RetryMax > TimeSpan.Zero ? RetryMax : DefaultRetryMax;

    internal string NameOf(NodeId node) => NodeNames.TryGetValue(node, out string? name) ? name : node.ToString();
}
