namespace Muster.Cli.Tests;

// Runs the CLI in-process and captures what it prints.
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static async Task<CliRun> RunAsync(params string[] args) => await RunUntilAsync(args, TestContext.Current.CancellationToken);

    // Runs until done or until the token is cancelled (which is what Ctrl-C does to the real process).
    public static async Task<CliRun> RunUntilAsync(string[] args, CancellationToken cancellationToken)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // Synchronized: listen writes from its event loop while the test may read the text.
        int code = await Cli.RunAsync(args, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), cancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Error}";
}
