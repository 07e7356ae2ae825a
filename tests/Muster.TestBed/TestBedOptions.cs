using Muster.Configuration;

namespace Muster.TestBed;

/// <summary>What a <see cref="NetnsCluster"/> builds.</summary>
public sealed record TestBedOptions
{
    /// <summary>Number of nodes, 1 to 99; node <c>i</c> has id <c>i</c> and name <c>n{i}</c>.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>
    /// Networks, 1 or 2. With 2, a second bridge is built and every node gets a second interface (<c>eth1</c>,
    /// 10.82.{run}.{i}) and lists both addresses in its configuration, for the redundant-links tests.
    /// </summary>
    public int Networks { get; init; } = 1;

    /// <summary>Timing profile of every daemon. The default is <c>test</c>, which tolerates a busy 2-core CI machine.</summary>
    public TimingOptions Timing { get; init; } = TimingOptions.Test;

    /// <summary>
    /// TEST-ONLY transport faults for every daemon, in <c>MUSTER_TEST_FAULTS</c> syntax (for example
    /// <c>"delay=1ms,jitter=10ms,seed=5"</c>); null for none. See <c>src/Muster.Transport/Faults</c>.
    /// </summary>
    public string? TransportFaults { get; init; }

    /// <summary>Changes a node's configuration before it is written (limits, logging level, later keys such as crypto).</summary>
    public Func<TestBedNode, ClusterConfig, ClusterConfig>? Configure { get; init; }

    /// <summary>
    /// Raw TOML appended to a node's configuration file: for keys <see cref="ClusterConfig"/> does not know yet
    /// (a new table, for example a key file per node). Null or empty for nothing.
    /// </summary>
    public Func<TestBedNode, string?>? ExtraToml { get; init; }

    /// <summary>
    /// Runs each node's daemon (and the processes started with <see cref="NetnsCluster.StartInNode"/>) in its own
    /// cgroup v2 group, <c>muster-testbed/mt{run}-{i}</c> under <see cref="NetnsCluster.CgroupRoot"/>, so the
    /// test bed's power switch (<see cref="PowerSwitch"/>) can kill all of them at once. Needs the unified hierarchy
    /// (<see cref="TestBedHost.CgroupsUnavailable"/>).
    /// </summary>
    public bool Cgroups { get; init; }

    /// <summary>Extra environment variables of every daemon.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
