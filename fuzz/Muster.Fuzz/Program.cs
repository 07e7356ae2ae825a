using Muster.Fuzz.Targets;
using SharpFuzz;

// Usage:
//   Muster.Fuzz packet|ipc                 run under afl-fuzz (scripts/fuzz.sh); outside AFL it runs one input from stdin
//   Muster.Fuzz replay packet|ipc FILE...  run inputs in this process and print what each one does (use an
//                                          uninstrumented build: dotnet run --project fuzz/Muster.Fuzz -c Release --)
//   Muster.Fuzz generate DIR               write the seed corpus to DIR/packet and DIR/ipc
const string usage = "usage: Muster.Fuzz packet|ipc | replay packet|ipc FILE... | generate DIR";

if (args.Length == 0)
{
    Console.Error.WriteLine(usage);
    return 2;
}

switch (args[0])
{
    case "generate" when args.Length == 2:
        Console.WriteLine($"wrote {SeedGenerator.WriteTo(args[1])} seed files under {args[1]}");
        return 0;
    case "replay" when args.Length >= 3 && TargetFor(args[1]) is { } replayTarget:
        int failures = 0;
        foreach (string file in args[2..])
        {
            try
            {
                replayTarget(File.ReadAllBytes(file));
                Console.WriteLine($"ok    {file}");
            }
#pragma warning disable CA1031 // Every exception is a finding to report, whatever its type.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                Console.WriteLine($"FAIL  {file}\n{e}");
            }
        }

        return failures == 0 ? 0 : 1;
    default:
        if (args.Length == 1 && TargetFor(args[0]) is { } target)
        {
            // Nothing instrumented may run before Fuzzer.*.Run: the instrumentation writes to AFL's shared memory,
            // which only exists from there on (so the cluster recording is made by the first input that needs it).
            // Out of process: a stack overflow or an unhandled crash in the target kills a child process that the
            // harness restarts, rather than the harness, so AFL++ still sees it as a crash of that input.
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                target(memory.GetBuffer().AsSpan(0, (int)memory.Length));
            });
            return 0;
        }

        Console.Error.WriteLine(usage);
        return 2;
}

static TargetAction? TargetFor(string name) => name switch
{
    "packet" => PacketTarget.Run,
    "ipc" => IpcTarget.Run,
    _ => null,
};

/// <summary>A fuzz target's entry point.</summary>
internal delegate void TargetAction(ReadOnlySpan<byte> input);
