using Muster.Configuration;

namespace Muster.TestBed;

/// <summary>
/// The test bed's power switch as a fence device: the <c>fence_testbed_cgroup</c> agent (in this assembly's
/// <c>agents</c> folder) kills a node's cgroup, its daemon and clients at once. Needs <see cref="TestBedOptions.Cgroups"/>.
/// </summary>
public static class PowerSwitch
{
    /// <summary>The agent script, next to the test binaries.</summary>
    public static string AgentPath => Path.Combine(AppContext.BaseDirectory, "agents", "fence_testbed_cgroup");

    /// <summary>A device named <paramref name="name"/> that powers off any node of <paramref name="nodes"/> (its host map gives each node's group).</summary>
    public static FenceDeviceConfig Device(string name, IReadOnlyList<TestBedNode> nodes, TimeSpan delayBase = default, TimeSpan? timeout = null) =>
        new(name, AgentPath, [], [.. nodes.Select(n => new KeyValuePair<string, string>(n.Name, n.CgroupName))],
            timeout ?? TimeSpan.FromSeconds(20), DelayBase: delayBase);
}
