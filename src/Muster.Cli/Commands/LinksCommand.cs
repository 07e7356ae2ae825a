using System.CommandLine;
using Muster.Cli.Output;

namespace Muster.Cli.Commands;

// muster links: per peer and link, up/down, round-trip time and the last change (like corosync-cfgtool -s).
internal static class LinksCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("links",
            "Show every link to every peer: up or down, round-trip time, time since the last change (like corosync-cfgtool -s)")
        {
            json,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var links = await session.Client.GetLinksAsync(session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(LinksOutput.Json(links));
            }
            else
            {
                LinksOutput.Text(context.Out, links);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
