using System.CommandLine;
using Muster.Cli.Output;

namespace Muster.Cli.Commands;

// muster groups [GROUP]: corosync-cpgtool (all groups) and corosync-cpgtool -g GROUP style member listing.
internal static class GroupsCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var group = GlobalOptions.CreateGroup("Show this group's processes (node id, pid) instead of every group");
        group.Arity = ArgumentArity.ZeroOrOne;
        var command = new Command("groups",
            "List the cluster's process groups and their member counts, or one group's processes (like corosync-cpgtool)")
        {
            group,
            json,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            bool asJson = parseResult.GetValue(json);
            string? name = parseResult.GetValue(group);
            if (name is null)
            {
                var groups = await session.Client.Groups.ListAsync(session.Token);
                if (asJson)
                {
                    context.Out.WriteLine(JsonOutput.Groups(groups));
                }
                else
                {
                    TextOutput.Groups(context.Out, groups);
                }

                return ExitCodes.Success;
            }

            var members = await session.Client.Groups.GetMembersAsync(name, session.Token);
            if (asJson)
            {
                context.Out.WriteLine(JsonOutput.GroupMembers(name, members));
            }
            else
            {
                TextOutput.GroupMembers(context.Out, name, members);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
