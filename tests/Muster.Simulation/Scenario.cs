using Muster.Core.Random;

namespace Muster.Simulation;

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

    /// <summary>Derives a scenario from a seed: node count, fault mix and network quality all vary with it.</summary>
    public static Scenario FromSeed(ulong seed, int? nodes = null, int maxNodes = 16)
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
        return new Scenario
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
    }

    /// <summary>The command that replays this run exactly.</summary>
    public string ReplayCommand =>
        $"dotnet run --project tests/Muster.Simulation -c Release -- --seed {Seed}" +
        (NodesOverride is int k ? $" --nodes {k}" : "");
}
