using System.CommandLine;
using Muster.Cli.Output;

namespace Muster.Cli.Commands;

// muster nodes: the membership table (corosync-quorumtool -l, corosync-cmapctl's members.* keys).
internal static class NodesCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("nodes",
            "List the members of the current view: node id, name, incarnation, state, addresses and the view each joined in "
            + "(like corosync-quorumtool -l), and why other nodes are refused. Exits 5 when the node has no view yet; 7, 8 or 9 "
            + "when a node is kept out, and why, is known.")
        {
            json,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var view = await session.Client.Membership.GetCurrentViewAsync(session.Token);
            var refusals = await Refusals.FetchAsync(session.Client, session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Nodes(view, session.Client.NodeId, refusals));
            }
            else
            {
                TextOutput.Nodes(context.Out, view, session.Client.NodeId, refusals);
            }

            if (Refusals.Verdict(refusals, view.Members, session.Client.NodeId, session.Client.NodeName, view.ViewId) is var (code, why))
            {
                return context.Fail(code, why);
            }

            return view.ViewId.IsNone
                ? context.Fail(ExitCodes.NoView, $"node {session.Client.NodeId} ({session.Client.NodeName}) has no view yet")
                : ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
