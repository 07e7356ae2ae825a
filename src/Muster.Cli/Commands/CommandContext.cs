using System.CommandLine;
using Muster.Client;

namespace Muster.Cli.Commands;

// What every command shares: the output streams, the global options, and one place that connects to musterd and turns
// failures into an exit code and one line on stderr (never a stack trace).
internal sealed class CommandContext(TextWriter stdout, TextWriter stderr, GlobalOptions global)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    public GlobalOptions Global { get; } = global;

    // Connects, runs the command body, disconnects. --timeout bounds the connection and whatever the body does with
    // session.Token until it calls session.DisarmDeadline().
    public async Task<int> RunAsync(ParseResult parseResult, Func<CommandSession, Task<int>> body, CancellationToken interrupt)
    {
        string path = Global.ResolveSocketPath(parseResult);
        var timeout = Global.GetTimeout(parseResult);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        deadline.CancelAfter(timeout);
        var session = new CommandSession(path, timeout, deadline, interrupt);
        try
        {
            var options = new MusterClientOptions { SocketPath = path, ClientName = "muster", ConnectTimeout = timeout };
            session.Client = await MusterClient.ConnectAsync(options, deadline.Token);
        }
        catch (MusterNotConnectedException ex)
        {
            // .NET reports a missing socket file as "Cannot assign requested address"; say what it means.
            string detail = !File.Exists(path) && !Directory.Exists(path) ? "no such socket"
                : ex.InnerException is { } inner ? inner.Message
                : ex.Message;
            return CannotConnect(path, detail);
        }
        catch (ArgumentException ex)
        {
            // UnixDomainSocketEndPoint rejects a path that is too long for sockaddr_un.
            return CannotConnect(path, ex.Message);
        }
        catch (Exception ex) when (IsExpected(ex))
        {
            return Report(ex, session);
        }

        await using (session.Client)
        {
            try
            {
                return await body(session);
            }
            catch (Exception ex) when (IsExpected(ex))
            {
                return Report(ex, session);
            }
        }
    }

    // Prints "muster: <message>" on stderr and returns the exit code.
    public int Fail(int exitCode, string message)
    {
        Error.WriteLine($"muster: {message}");
        return exitCode;
    }

    private int CannotConnect(string path, string detail) =>
        Fail(ExitCodes.CannotConnect,
            $"cannot connect to musterd at {path}: {detail}. Check that musterd is running on this node "
            + $"(the socket is --socket, else ${MusterClientOptions.SocketPathEnvironmentVariable}, else {MusterClientOptions.DefaultSocketPath}).");

    private static bool IsExpected(Exception ex) => ex is MusterException or OperationCanceledException or IOException or ArgumentException;

    private int Report(Exception ex, CommandSession session) => ex switch
    {
        OperationCanceledException when session.Interrupt.IsCancellationRequested => Fail(ExitCodes.Interrupted, "interrupted"),
        OperationCanceledException => Fail(ExitCodes.Timeout,
            $"timed out: musterd at {session.SocketPath} did not answer within {Duration.Format(session.Timeout)} (see --timeout)"),
        MusterNotConnectedException => Fail(ExitCodes.CannotConnect, ex.Message),
        MusterException { Code: ErrorCode.Timeout } daemon => Fail(ExitCodes.Timeout, WithCode(daemon)),
        MusterException { Code: ErrorCode.Unavailable } daemon => Fail(ExitCodes.NoView, WithCode(daemon)),
        MusterException daemon => Fail(ExitCodes.DaemonError, WithCode(daemon)),
        ArgumentException => Fail(ExitCodes.Usage, ex.Message),
        // Most likely a closed pipe (`muster listen | head`); nothing useful can be written to stdout any more.
        _ => Fail(ExitCodes.DaemonError, $"cannot write output: {ex.Message}"),
    };

    // Errors relayed from musterd already end with "(Code)"; others get it added, so every line has the same shape.
    private static string WithCode(MusterException ex)
    {
        string suffix = $"({ex.Code})";
        return ex.Message.EndsWith(suffix, StringComparison.Ordinal) ? ex.Message : $"{ex.Message} {suffix}";
    }
}

// One command's connection and deadline.
internal sealed class CommandSession(string socketPath, TimeSpan timeout, CancellationTokenSource deadline, CancellationToken interrupt)
{
    public string SocketPath { get; } = socketPath;

    public TimeSpan Timeout { get; } = timeout;

    public MusterClient Client { get; set; } = null!;

    // Cancelled by --timeout or Ctrl-C: for requests to musterd.
    public CancellationToken Token => deadline.Token;

    // Cancelled by Ctrl-C only: for waiting on events, which may take as long as the user likes.
    public CancellationToken Interrupt { get; } = interrupt;

    // Ends the --timeout deadline (once a command starts waiting for events rather than answers).
    public void DisarmDeadline() => deadline.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);

    // Checks that the node has an installed view, which sending and listening need; null when it has one, otherwise
    // the exit code after reporting why.
    public async Task<int?> RequireViewAsync(CommandContext context)
    {
        var status = await Client.GetStatusAsync(Token);
        if (!status.ViewId.IsNone)
        {
            return null;
        }

        return context.Fail(ExitCodes.NoView,
            $"node {status.NodeId} ({status.NodeName}) has no view yet (state: {status.State}): it is not a member of a cluster");
    }
}
