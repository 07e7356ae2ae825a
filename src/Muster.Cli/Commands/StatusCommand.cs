using System.CommandLine;
using Muster.Cli.Output;
using Muster.Client;
using Muster.Ipc.Contracts;

namespace Muster.Cli.Commands;

// muster status: corosync-quorumtool -s and corosync-cfgtool -s in one.
internal static class StatusCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("status",
            "Show this node, the cluster view, its members, the effective timeouts, the counters, "
            + "encryption and the keys (like corosync-quorumtool -s and corosync-cfgtool -s). Exits 5 when the node has no view yet.")
        {
            json,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var status = await session.Client.GetStatusAsync(session.Token);
            KeysResponse? keys;
            try
            {
                keys = await session.Client.GetKeysAsync(session.Token);
            }
            catch (MusterException ex) when (ex.Code == ErrorCode.NotSupported)
            {
                // A musterd from before encryption: its status is still worth showing; the keys show as unknown.
                keys = null;
            }

            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Status(status, keys));
            }
            else
            {
                TextOutput.Status(context.Out, status, keys);
            }

            // Printed anyway: what a node that is still joining reports is what one wants to see.
            return status.ViewId.IsNone
                ? context.Fail(ExitCodes.NoView, $"node {status.NodeId} ({status.NodeName}) has no view yet (state: {status.State})")
                : ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
