using System.CommandLine;
using Muster.Cli.Output;
using Muster.Client;

namespace Muster.Cli.Commands;

// muster status: corosync-quorumtool -s and corosync-cfgtool -s in one.
internal static class StatusCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("status",
            "Show this node, the cluster view, its members, the effective timeouts, the counters, "
            + "encryption and the keys (like corosync-quorumtool -s and corosync-cfgtool -s), and why other nodes are refused. "
            + "Exits 5 when the node has no view yet; 7, 8 or 9 when a node is kept out, and why, is known.")
        {
            json,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var status = await session.Client.GetStatusAsync(session.Token);
            ClusterKeys? keys;
            try
            {
                keys = await session.Client.GetKeysAsync(session.Token);
            }
            catch (MusterException ex) when (ex.Code == ErrorCode.NotSupported)
            {
                // A musterd from before encryption: its status is still worth showing; the keys show as unknown.
                keys = null;
            }

            var refusals = await Refusals.FetchAsync(session.Client, session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Status(status, keys, refusals));
            }
            else
            {
                TextOutput.Status(context.Out, status, keys, refusals);
            }

            // Printed anyway: what a node that is still joining reports is what one wants to see. A refusal says why
            // it is alone or joining, which is more than "no view", so its code comes first.
            if (Refusals.Verdict(refusals, status.Members, status.NodeId, status.NodeName, status.ViewId) is var (code, why))
            {
                return context.Fail(code, why);
            }

            return status.ViewId.IsNone
                ? context.Fail(ExitCodes.NoView, $"node {status.NodeId} ({status.NodeName}) has no view yet (state: {status.State})")
                : ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
