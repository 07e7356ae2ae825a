using Muster.Bench;

// muster-bench groups|latency|watch [options]: see docs/benchmarks.md and scripts/bench/.
const string Usage = """
    usage:
      muster-bench groups  --socket PATH --group NAME [--size BYTES] [--duration S] [--warmup S]
                           [--senders-expected K] [--members M] [--role sender|receiver|both] [--inflight N] [--rate R] [--timeout S] [--json]
      muster-bench latency --socket PATH --group NAME [--size BYTES] [--count N] [--warmup-count N] [--members M] [--timeout S]
      muster-bench watch   --socket PATH [--until-members N] [--timeout S]
      muster-bench status  --socket PATH
      muster-bench crypto  [--sizes 64,1024,1400] [--count N] [--rounds R]
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var rest = args[1..];
    HashSet<string> flags = ["json"];
    var options = new Options(rest, flags);
    switch (args[0])
    {
        case "groups":
        {
            var bench = new GroupsBench(options);
            options.RejectUnknown();
            return await bench.RunAsync().ConfigureAwait(false);
        }

        case "latency":
        {
            var bench = new LatencyBench(options);
            options.RejectUnknown();
            return await bench.RunAsync().ConfigureAwait(false);
        }

        case "watch":
        {
            var watch = new Watch(options);
            options.RejectUnknown();
            return await watch.RunAsync().ConfigureAwait(false);
        }

        case "status":
        {
            var status = new Status(options);
            options.RejectUnknown();
            return await status.RunAsync().ConfigureAwait(false);
        }

        case "crypto":
        {
            var bench = new CryptoBench(options);
            options.RejectUnknown();
            return bench.Run();
        }

        default:
            throw new UsageException($"unknown subcommand '{args[0]}'");
    }
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"muster-bench: {e.Message}\n{Usage}").ConfigureAwait(false);
    return 2;
}
