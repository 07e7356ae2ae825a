using Muster.Core.Random;

namespace Muster.Simulation;

/// <summary>Which faults a run injects.</summary>
public enum FaultMix
{
    /// <summary>
    /// The faults of the first simulator, drawn exactly as it drew them (crashes, fast restarts, leaves, symmetric
    /// partitions, one-way blocks, heals, loss), so a seed that failed on the old code replays the same run.
    /// </summary>
    Classic = 1,

    /// <summary>
    /// Everything in <see cref="Classic"/>, plus process stalls, delays near the failure timeout, clock drift, lost
    /// state files, repeated cut-and-heal of one node, and a one-way block that is never healed.
    /// </summary>
    Extended = 2,
}

/// <summary>What a run that never heals its one-way block (or cuts one node over and over) exercises.</summary>
public enum ScenarioMode
{
    /// <summary>Random faults from the mix.</summary>
    Mixed = 0,

    /// <summary>One node is cut off and healed again and again (cuts shorter and longer than the failure timeout).</summary>
    CutAndHeal = 1,

    /// <summary>A one-way block between two nodes that stays for the whole run, after the faults too.</summary>
    PersistentOneWay = 2,
}

/// <summary>Everything about one simulated run that the seed decides.</summary>
public sealed record Scenario
{
    public required ulong Seed { get; init; }
    public required int Nodes { get; init; }
    public required TimeSpan ChaosDuration { get; init; }
    public required TimeSpan ConvergenceBound { get; init; }
    public required bool Faults { get; init; }
    public required TimeSpan MeanFaultInterval { get; init; }
    public required double MaxLoss { get; init; }
    public required double Duplication { get; init; }
    public required TimeSpan MinDelay { get; init; }
    public required TimeSpan MaxDelay { get; init; }
    public required TimeSpan MeanSubmitInterval { get; init; }
    public int? NodesOverride { get; init; }
    public FaultMix Mix { get; init; } = FaultMix.Classic;
    public ScenarioMode Mode { get; init; }

    /// <summary>Largest relative clock rate difference from real time (0.02 = 2%).</summary>
    public double ClockDrift { get; init; }

    /// <summary>Crashed nodes sometimes come back without their state file (incarnation and view-sequence mark).</summary>
    public bool StateLoss { get; init; }


    /// <summary>Derives a scenario from a seed: node count, fault mix and network quality all vary with it.</summary>
    public static Scenario FromSeed(ulong seed, int? nodes = null, int maxNodes = 16, FaultMix mix = FaultMix.Extended)
    {
        var r = new DeterministicRandom(seed ^ 0x5EED_5EED_5EED_5EEDUL);
        int roll = r.Next(100);
        int n = roll switch
        {
            < 3 => 1,
            < 15 => 2,
            < 45 => 3,
            < 60 => 4,
            < 78 => 5,
            < 90 => r.Next(6, 9),
            _ => r.Next(9, maxNodes + 1),
        };
        n = Math.Min(n, maxNodes);
        var scenario = new Scenario
        {
            Seed = seed,
            Nodes = nodes ?? n,
            NodesOverride = nodes,
            ChaosDuration = TimeSpan.FromMilliseconds(r.Next(2_000, 8_000)),
            ConvergenceBound = TimeSpan.FromSeconds(15),
            Faults = r.Next(10) != 0,
            MeanFaultInterval = TimeSpan.FromMilliseconds(r.Next(150, 1_500)),
            MaxLoss = r.Next(4) == 0 ? 0 : r.NextDouble() * 0.2,
            Duplication = r.Next(3) == 0 ? 0 : r.NextDouble() * 0.03,
            MinDelay = TimeSpan.FromTicks(r.Next(200, 1_000)),
            MaxDelay = TimeSpan.FromTicks(r.Next(2_000, r.Next(3) == 0 ? 200_000 : 20_000)),
            MeanSubmitInterval = TimeSpan.FromMilliseconds(r.Next(2, 60)),
        };
        if (mix == FaultMix.Classic)
        {
            return scenario;
        }

        // Drawn after everything the classic mix draws, so a seed's node count and network are the same in both mixes.
        int mode = r.Next(100);
        scenario = scenario with
        {
            Mix = mix,
            Mode = scenario.Nodes < 2 ? ScenarioMode.Mixed : mode < 12 ? ScenarioMode.CutAndHeal : mode < 24 ? ScenarioMode.PersistentOneWay : ScenarioMode.Mixed,
            ClockDrift = r.Next(3) == 0 ? 0 : r.NextDouble() * 0.05,
            Faults = true,
        };

        // Drawn last, so a seed without it runs exactly as before it existed.
        return scenario with { StateLoss = r.Next(4) == 0 };
    }

    /// <summary>The command that replays this run exactly.</summary>
    public string ReplayCommand =>
        $"dotnet run --project tests/Muster.Simulation -c Release -- --seed {Seed}" +
        (NodesOverride is int k ? $" --nodes {k}" : "") + (Mix == FaultMix.Classic ? " --classic" : "");
}
