using System.Diagnostics;
using System.Globalization;
using Muster.Simulation;

// Command line: --seed N (replay one, with --trace for a step log) | --seeds N [--from S] | --soak N [--from S]
// [--nodes K] [--max-nodes K] [--classic] (the first simulator's fault mix, to replay its seeds). Exit code 0 when every seed passed, 1 otherwise.
ulong? seed = null;
int count = 0;
ulong from = 1;
int? nodes = null;
int maxNodes = 16;
bool trace = false;
var mix = FaultMix.Extended;
var skip = new HashSet<string>(StringComparer.Ordinal);
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--seeds": case "--soak": count = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--from": from = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--nodes": nodes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--max-nodes": maxNodes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--trace": trace = true; break;
        case "--classic": mix = FaultMix.Classic; break;
        case "--skip":
            foreach (string name in Next().Split(','))
            {
                if (!Simulator.CheckNames.Contains(name))
                {
                    Console.Error.WriteLine($"unknown check '{name}' in --skip; the checks are {string.Join(", ", Simulator.CheckNames)}");
                    return 2;
                }

                skip.Add(name);
            }

            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: --seed N [--trace] | --seeds N [--from S] | --soak N [--from S] [--nodes K] [--max-nodes K] [--classic] [--skip CHECK,...]");
            return 2;
    }
}

if (seed is ulong one)
{
    var result = new Simulator(Scenario.FromSeed(one, nodes, maxNodes, mix), trace ? Console.Out : null, skip).Run();
    Print(result);
    return result.Passed ? 0 : 1;
}

if (count <= 0)
{
    Console.Error.WriteLine("give --seed N, --seeds N or --soak N");
    return 2;
}

var clock = Stopwatch.StartNew();
int failed = 0;
long steps = 0;
long stateLosses = 0;
long longestStaleTicks = 0;
var failures = new System.Collections.Concurrent.ConcurrentBag<SimulationResult>();
Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
{
    var r = new Simulator(Scenario.FromSeed(from + (ulong)i, nodes, maxNodes, mix), null, skip).Run();
    Interlocked.Add(ref steps, r.Steps);
    Interlocked.Add(ref stateLosses, r.StateLosses);
    long stale = r.LongestStaleQuorum.Ticks;
    for (long seen = Interlocked.Read(ref longestStaleTicks); stale > seen; seen = Interlocked.Read(ref longestStaleTicks))
    {
        Interlocked.CompareExchange(ref longestStaleTicks, stale, seen);
    }
    if (!r.Passed)
    {
        Interlocked.Increment(ref failed);
        failures.Add(r);
        Print(r);
    }
});

double seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{count} seeds from {from}: {count - failed} passed, {failed} failed; {seconds:F1} s, {count / seconds:F1} seeds/s, {steps / seconds:F0} steps/s; {stateLosses} restarts without a state file; longest stale quorum {TimeSpan.FromTicks(longestStaleTicks).TotalMilliseconds:F0} ms"));
return failed == 0 ? 0 : 1;

static void Print(SimulationResult r)
{
    if (r.Passed)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {r.Scenario.Seed} passed: {r.Scenario.Nodes} nodes, {r.Steps} steps, {r.Deliveries} deliveries, " +
            $"{r.ViewInstalls} view installs, converged {r.ConvergedAfter?.TotalMilliseconds:F0} ms after faults stopped"));
    }
    else
    {
        Console.WriteLine($"seed {r.Scenario.Seed} FAILED ({r.Scenario.Nodes} nodes, at {r.End}): {r.Failure}");
        Console.WriteLine($"  replay: {r.Scenario.ReplayCommand} --trace");
    }
}
