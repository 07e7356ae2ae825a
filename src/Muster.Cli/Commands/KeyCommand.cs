using System.CommandLine;
using Muster.Cli.Output;
using Muster.Client;

namespace Muster.Cli.Commands;

// muster key [status|load|activate|retire]: the keys musterd holds, and the three steps of an online key rotation.
// `muster key` alone is `muster key status`: it only reads, so running it by mistake changes nothing.
internal static class KeyCommand
{
    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("key",
            "Show the cluster keys this node's musterd holds (the same as `muster key status`), or run one step of a key "
            + "rotation: load, activate, retire (see docs/security.md)")
        {
            json,
            CreateStatus(context),
            CreateStep(context, KeyOperation.Load, "load",
                "Phase 1 of a rotation: musterd reads its key file again and accepts the new key in it, still sealing with "
                + "the current one (the same as SIGHUP). Run it on every node before `muster key activate` anywhere."),
            CreateStep(context, KeyOperation.Activate, "activate",
                "Phase 2: seal with the loaded key from now on; the old key is still accepted. Run it on every node before "
                + "`muster key retire` anywhere."),
            CreateStep(context, KeyOperation.Retire, "retire",
                "Phase 3: drop the old key; only the new one is accepted from now on."),
        };
        SetStatusAction(context, command, json);
        return command;
    }

    private static Command CreateStatus(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("status", "Show whether cluster traffic is encrypted and which keys musterd holds, with their roles")
        {
            json,
        };
        SetStatusAction(context, command, json);
        return command;
    }

    private static void SetStatusAction(CommandContext context, Command command, Option<bool> json) =>
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var keys = await session.Client.GetKeysAsync(session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Keys(keys, operation: null));
            }
            else
            {
                TextOutput.Keys(context.Out, keys);
            }

            return ExitCodes.Success;
        }, cancellationToken));

    private static Command CreateStep(CommandContext context, KeyOperation operation, string name, string description)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command(name, description)
        {
            json,
        };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            // A refused step (nothing loaded, nothing to retire, encryption off) comes back as a MusterException and
            // leaves through CommandContext: exit 1 with the daemon's reason.
            var keys = await session.Client.RunKeyOperationAsync(operation, session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Keys(keys, name));
            }
            else
            {
                context.Out.WriteLine(keys.Outcome);
                context.Out.WriteLine();
                TextOutput.Keys(context.Out, keys);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
