using Muster.Configuration;
using Muster.Core;
using Muster.Node.Fencing;

namespace Muster.Daemon;

/// <summary>From <c>[fencing]</c>, <c>[[fence_device]]</c> and <c>[[fence_level]]</c> to the fencing service's options.</summary>
public static class FencingSetup
{
    /// <summary>The options for <paramref name="config"/> (already validated: every name it uses exists).</summary>
    public static FencingOptions ToOptions(ClusterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        NodeId IdOf(string name) => config.Nodes.First(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase)).NodeId;
        var devices = config.Fencing.Devices.ToDictionary(d => d.Name, d => new FenceDevice(
            d.Name, d.Agent, d.Parameters, d.HostMap.ToDictionary(h => IdOf(h.Key), h => h.Value), d.Timeout, d.Retries, d.DelayBase, d.DelayMax),
            StringComparer.Ordinal);
        var levels = config.Fencing.Levels
            .GroupBy(l => IdOf(l.Node))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<FenceLevel>)[.. g.OrderBy(l => l.Index).Select(l => new FenceLevel(l.Index, l.Devices))]);
        return new FencingOptions(devices, levels, config.Nodes.ToDictionary(n => n.NodeId, n => n.Name),
            config.Fencing.Action == "off" ? FenceAction.Off : FenceAction.Reboot);
    }
}
