using System.CommandLine;
using Muster.Cli.Output;
using Muster.Client;

namespace Muster.Cli.Commands;

// muster listen GROUP: a CPG member that prints what it is delivered (confchg_fn and deliver_fn), one line each.
internal static class ListenCommand
{
    public static Command Create(CommandContext context)
    {
        var group = GlobalOptions.CreateGroup("The group to join and listen to");
        var json = GlobalOptions.CreateJson();
        var count = GlobalOptions.CreateCount("Exit after N messages (membership changes do not count)");
        var command = new Command("listen",
            "Join GROUP and print every membership change and message until Ctrl-C (or --count messages), then leave. "
            + "--json prints one JSON object per line. --timeout bounds only the join.")
        {
            group,
            json,
            count,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            if (await session.RequireViewAsync(context) is int noView)
            {
                return noView;
            }

            string name = parseResult.GetRequiredValue(group);
            bool asJson = parseResult.GetValue(json);
            int? limit = parseResult.GetValue(count);
            var joined = await session.Client.Groups.JoinAsync(name, session.Token);
            // From here on it waits for events, which may take as long as the user likes.
            session.DisarmDeadline();
            if (!asJson)
            {
                // On stderr, so that stdout holds only events.
                context.Error.WriteLine($"listening to group '{name}' on node {session.Client.NodeId} ({session.Client.NodeName}); Ctrl-C stops");
            }

            int messages = 0;
            try
            {
                await foreach (var groupEvent in joined.ReadEventsAsync(session.Interrupt))
                {
                    context.Out.WriteLine(asJson ? JsonOutput.Event(groupEvent) : TextOutput.Event(groupEvent));
                    if (groupEvent is GroupMessage && ++messages == limit)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (session.Interrupt.IsCancellationRequested)
            {
                // Ctrl-C: the normal way to stop listening.
            }

            await LeaveAsync(joined, session.Timeout);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    // Leaves politely so the others see CPG_REASON_LEAVE; if that fails, closing the connection makes the daemon
    // report this process gone (PROCDOWN), which is as good.
    private static async Task LeaveAsync(ProcessGroup joined, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await joined.LeaveAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is MusterException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
