using System.CommandLine;
using Muster.Cli.Output;

namespace Muster.Cli.Commands;

// muster status: corosync-quorumtool -s and corosync-cfgtool -s in one.
internal static class StatusCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("status",
            "Show this node, the cluster view, its members, the effective timeouts and the counters "
            + "(like corosync-quorumtool -s and corosync-cfgtool -s). Exits 5 when the node has no view yet.")
        {
            json,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var status = await session.Client.GetStatusAsync(session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Status(status));
            }
            else
            {
                TextOutput.Status(context.Out, status);
            }

            // Printed anyway: what a node that is still joining reports is what one wants to see.
            return status.ViewId.IsNone
                ? context.Fail(ExitCodes.NoView, $"node {status.NodeId} ({status.NodeName}) has no view yet (state: {status.State})")
                : ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
