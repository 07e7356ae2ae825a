using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Muster.Cli;

// --help as System.CommandLine prints it, followed by the exit codes, which scripts need and which belong to every
// command (the help option is recursive, so this action serves them all).
internal sealed class HelpWithExitCodes(HelpAction inner) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        int result = inner.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine("Exit codes:");
        foreach (var (code, meaning) in ExitCodes.All)
        {
            output.WriteLine($"  {code,-5}{meaning}");
        }

        output.WriteLine();
        return result;
    }
}
