using System.CommandLine;
using System.Globalization;
using Muster.Cli.Output;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Commands;

// muster quorum [status|expected N|votes NODE N|unblock]: votequorum's state and its run-time changes, like
// corosync-quorumtool -s / -e / -v and pcs quorum unblock. `muster quorum` alone is `muster quorum status`.
internal static class QuorumCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("quorum",
            "Show quorum as corosync-quorumtool -s does (quorate, expected and total votes, quorum, flags, each member's votes), "
            + "or change it at run time: expected, votes, unblock")
        {
            json,
            CreateStatus(context),
            CreateExpected(context),
            CreateVotes(context),
            CreateUnblock(context),
        };
        SetStatusAction(context, command, json);
        return command;
    }

    private static Command CreateStatus(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("status", "Show quorum (the same as `muster quorum`)") { json };
        SetStatusAction(context, command, json);
        return command;
    }

    private static void SetStatusAction(CommandContext context, Command command, Option<bool> json) =>
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var quorum = await session.Client.Quorum.GetAsync(session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(QuorumOutput.Json(quorum, session.Client.NodeId));
            }
            else
            {
                QuorumOutput.Text(context.Out, quorum, session.Client.NodeId);
            }

            return ExitCodes.Success;
        }, cancellationToken));

    private static Command CreateExpected(CommandContext context)
    {
        var votes = new Argument<int>("N") { Description = "The new expected votes (not below the votes present)" };
        var command = new Command("expected",
            "Set expected votes cluster-wide (corosync-quorumtool -e). Refused below the votes present, or when it would make "
            + "a quorate partition inquorate; on an inquorate partition, lowering it is an operator's override and is logged")
        {
            votes,
        };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var result = await session.Client.Quorum.SetExpectedVotesAsync(parseResult.GetValue(votes), session.Token);
            Report(context, result);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateVotes(CommandContext context)
    {
        var node = new Argument<string>("NODE") { Description = "The node: its name or id" };
        var votes = new Argument<int>("N") { Description = "Its new votes (0..255)" };
        var command = new Command("votes",
            "Set one node's votes cluster-wide (corosync-quorumtool -v). Refused when it would make a quorate partition inquorate")
        {
            node,
            votes,
        };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var id = await ResolveNodeAsync(session, parseResult.GetValue(node)!);
            if (id is null)
            {
                context.Error.WriteLine($"muster: no node named or numbered \"{parseResult.GetValue(node)}\" is in the view");
                return ExitCodes.Usage;
            }

            var result = await session.Client.Quorum.SetVotesAsync(id.Value, parseResult.GetValue(votes), session.Token);
            Report(context, result);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateUnblock(CommandContext context)
    {
        var command = new Command("unblock",
            "Lift wait_for_all before every node has been seen (pcs quorum unblock). Only when the nodes not seen are known "
            + "to be off: otherwise two partitions may both become quorate. Logged as an override");
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var result = await session.Client.Quorum.UnblockAsync(session.Token);
            Report(context, result);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static void Report(CommandContext context, QuorumChangeResult result)
    {
        context.Out.WriteLine(result.Message);
        if (result.Override)
        {
            context.Out.WriteLine("(an operator's override: logged by musterd on every node)");
        }
    }

    // A number is a node id; anything else a name of a member (quorum lists the members with their names).
    private static async Task<NodeId?> ResolveNodeAsync(CommandSession session, string text)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint id) && id > 0)
        {
            return new NodeId(id);
        }

        var quorum = await session.Client.Quorum.GetAsync(session.Token);
        var match = quorum.Nodes.FirstOrDefault(n => string.Equals(n.Name, text, StringComparison.OrdinalIgnoreCase));
        return match?.NodeId;
    }
}
