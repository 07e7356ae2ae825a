using System.CommandLine;

namespace Muster.Cli.Commands;

// muster leave: corosync-cfgtool -H (orderly shutdown: the others see this node leave, not fail).
internal static class LeaveCommand
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(50);

    public static Command Create(CommandContext context)
    {
        var command = new Command("leave",
            "Ask the local musterd to leave the cluster in an orderly way and exit (like corosync-cfgtool -H). "
            + "The other nodes see this node leave rather than fail.");

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var client = session.Client;
            await client.LeaveClusterAsync(session.Token);
            context.Out.WriteLine($"musterd on node {client.NodeId} ({client.NodeName}) is leaving cluster '{client.ClusterName}'");
            // The daemon closes every connection as it exits; seeing ours close confirms it is on its way out.
            try
            {
                while (client.IsConnected)
                {
                    await Task.Delay(s_pollInterval, session.Token);
                }

                context.Out.WriteLine("musterd closed the connection and is exiting");
            }
            catch (OperationCanceledException) when (!session.Interrupt.IsCancellationRequested)
            {
                context.Out.WriteLine($"musterd acknowledged but was still connected after {Duration.Format(session.Timeout)}");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
