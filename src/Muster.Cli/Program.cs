using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using Muster.Cli.Commands;

namespace Muster.Cli;

/// <summary>The <c>muster</c> command line: the root command, its subcommands, and the process entry point.</summary>
public static class Cli
{
    public static async Task<int> Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        // The first SIGINT/SIGTERM cancels the running command so it can leave its group and close the connection
        // cleanly; a second one is not intercepted and ends the process at once.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Interrupt(context, interrupt));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Interrupt(context, interrupt));
        return await RunAsync(args, Console.Out, Console.Error, interrupt.Token);
    }

    /// <summary>Parses <paramref name="args"/>, runs the command, and returns the process exit code (see ExitCodes).</summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors and progress notes go.</param>
    /// <param name="cancellationToken">Cancelled on Ctrl-C: long-running commands stop cleanly.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Main handles signals itself (see above) so that tests running in-process install no handlers.
            ProcessTerminationTimeout = null,
            // Every command maps its own failures to an exit code; anything else is a bug, still without a stack trace.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            var parseResult = BuildRootCommand(stdout, stderr).Parse(args);
            if (parseResult.Errors.Count > 0 && parseResult.Action is ParseErrorAction)
            {
                return ReportParseErrors(parseResult, stderr);
            }

            return await parseResult.InvokeAsync(configuration, cancellationToken);
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"muster: internal error: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.DaemonError;
        }
    }

    // Builds the command tree writing to the given streams; the parse tests use it without running anything.
    internal static RootCommand BuildRootCommand(TextWriter stdout, TextWriter stderr)
    {
        var global = new GlobalOptions();
        var context = new CommandContext(stdout, stderr, global);
        var root = new RootCommand("muster: inspect and use a Muster cluster through the local musterd.")
        {
            global.Socket,
            global.Timeout,
            StatusCommand.Create(context),
            NodesCommand.Create(context),
            GroupsCommand.Create(context),
            LinksCommand.Create(context),
            QuorumCommand.Create(context),
            FenceCommand.Create(context),
            SendCommand.Create(context),
            ListenCommand.Create(context),
            LeaveCommand.Create(context),
            KeygenCommand.Create(context),
            KeyCommand.Create(context),
            DemoCommand.Create(context),
        };

        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help } helpOption)
            {
                helpOption.Action = new HelpWithExitCodes(help);
            }
        }

        return root;
    }

    private static int ReportParseErrors(ParseResult parseResult, TextWriter stderr)
    {
        foreach (var error in parseResult.Errors)
        {
            stderr.WriteLine($"muster: {error.Message}");
        }

        stderr.WriteLine($"Run '{CommandPath(parseResult.CommandResult)} --help' for usage.");
        return ExitCodes.Usage;
    }

    // "muster key load" for a subcommand of a subcommand, so the hint names the help that applies.
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is CommandResult command; current = command.Parent)
        {
            names.Add(command.Command is RootCommand ? "muster" : command.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource interrupt)
    {
        if (!interrupt.IsCancellationRequested)
        {
            context.Cancel = true;
            interrupt.Cancel();
        }
    }
}
