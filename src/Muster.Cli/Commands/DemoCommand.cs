using System.CommandLine;
using Muster.Cli.Demo;

namespace Muster.Cli.Commands;

// muster demo: a local cluster of real musterd processes (DemoRunner does the work).
internal static class DemoCommand
{
    // DemoRunner's own bounds (127.0.0.11 .. 127.0.0.19); checked here too so a bad value is a usage error up front.
    private const int MinNodes = 1;
    private const int MaxNodes = 9;

    public static Command Create(CommandContext context)
    {
        var nodes = new Option<int>("--nodes")
        {
            Description = $"How many musterd processes to start ({MinNodes} to {MaxNodes})",
            HelpName = "N",
            DefaultValueFactory = _ => 3,
            CustomParser = result => GlobalOptions.ParseInt(result, "--nodes", MinNodes, MaxNodes) ?? 0,
        };
        var command = new Command("demo",
            "Start a local cluster of musterd processes on 127.0.0.x and walk through membership, a failure, a rejoin and "
            + "process group messages, then shut it down. Needs musterd next to muster.")
        {
            nodes,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await DemoRunner.RunAsync(parseResult.GetValue(nodes), context.Out, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return context.Fail(ExitCodes.Interrupted, "demo interrupted");
            }
        });
        return command;
    }
}
