using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Muster.Cli.Output;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Commands;

// muster fence [NODE] | fence ack NODE | fence history: what is pending fence, fencing on demand, an operator's
// confirmation, and the history (stonith_admin --reboot / --confirm / --history; dlm_tool fence_ack).
internal static class FenceCommand
{
    private static readonly JsonWriterOptions s_indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var node = new Argument<string?>("NODE") { Description = "Fence this node now (name or id); without it, show what is pending", Arity = ArgumentArity.ZeroOrOne };
        var action = new Option<string>("--action") { Description = "reboot (default) or off", DefaultValueFactory = _ => "reboot" };
        var force = new Option<bool>("--force") { Description = "Fence even without quorum" };
        var command = new Command("fence",
            "Show the nodes pending fence and the failed nodes awaiting recovery; with NODE, fence it now (stonith_admin --reboot)")
        {
            json,
            node,
            action,
            force,
            CreateAck(context),
            CreateHistory(context),
        };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            if (parseResult.GetValue(node) is { } target)
            {
                var id = await ResolveAsync(session, target);
                if (id is null)
                {
                    context.Error.WriteLine($"muster: no node named or numbered \"{target}\" is in the view or pending fence");
                    return ExitCodes.Usage;
                }

                context.Out.WriteLine(await session.Client.Fencing.FenceAsync(id.Value, parseResult.GetValue(action)!, parseResult.GetValue(force), session.Token));
                return ExitCodes.Success;
            }

            var state = await session.Client.Fencing.GetAsync(session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(Json(state, history: false));
            }
            else
            {
                Text(context.Out, state);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateAck(CommandContext context)
    {
        var node = new Argument<string>("NODE") { Description = "The node (name or id), which you have checked is off" };
        var command = new Command("ack",
            "Confirm that a node pending fence is off (stonith_admin --confirm): its fence is no longer pending and what it held "
            + "may be recovered. Refused while the node is in the view. Logged with your uid on every node")
        {
            node,
        };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var id = await ResolveAsync(session, parseResult.GetValue(node)!);
            if (id is null)
            {
                context.Error.WriteLine($"muster: no node named or numbered \"{parseResult.GetValue(node)}\" is in the view or pending fence");
                return ExitCodes.Usage;
            }

            context.Out.WriteLine(await session.Client.Fencing.AcknowledgeAsync(id.Value, session.Token));
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateHistory(CommandContext context)
    {
        var json = GlobalOptions.CreateJson();
        var command = new Command("history",
            "Every fencing step: when, the target, level, device, action, result, duration, who ran it, who asked, and the agent's "
            + "last output lines (stonith_admin --history): the answer to \"why was my node fenced?\"")
        {
            json,
        };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            var state = await session.Client.Fencing.GetAsync(session.Token);
            if (parseResult.GetValue(json))
            {
                context.Out.WriteLine(Json(state, history: true));
                return ExitCodes.Success;
            }

            if (state.History.Count == 0)
            {
                context.Out.WriteLine("no fencing since this node started");
                return ExitCodes.Success;
            }

            var table = new TableWriter(new Column("AGO", Align.Right), new Column("TARGET"), new Column("LEVEL", Align.Right), new Column("DEVICE"),
                new Column("ACTION"), new Column("RESULT"), new Column("TOOK", Align.Right), new Column("BY", Align.Right), new Column("ASKED BY"),
                new Column("OUTPUT"));
            foreach (var h in state.History)
            {
                table.AddRow(Seconds(h.Age), $"{h.Target} {h.TargetName}#{h.Incarnation.ToString(CultureInfo.InvariantCulture)}",
                    h.Level.ToString(CultureInfo.InvariantCulture), h.Device.Length == 0 ? "-" : h.Device, h.Action, h.Outcome, Seconds(h.Duration),
                    h.Actor.ToString(), h.RequestedBy, h.Output.Split('\n').LastOrDefault() ?? "");
            }

            table.Write(context.Out);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static void Text(TextWriter output, FencingState state)
    {
        if (state.Pending.Count == 0)
        {
            output.WriteLine("Pending fence: none");
        }
        else
        {
            output.WriteLine("Pending fence:");
            var table = new TableWriter(new Column("NODE ID", Align.Right), new Column("NAME"), new Column("INCARNATION", Align.Right),
                new Column("ACTION"), new Column("ATTEMPTS", Align.Right), new Column("FENCED BY", Align.Right), new Column("ASKED BY"));
            foreach (var p in state.Pending)
            {
                table.AddRow(p.NodeId.ToString(), p.Name, p.Incarnation.ToString(CultureInfo.InvariantCulture), p.Action,
                    p.Attempts.ToString(CultureInfo.InvariantCulture), p.Actor.IsValid ? p.Actor.ToString() : "-", p.RequestedBy);
            }

            table.Write(output);
        }

        output.WriteLine(state.AwaitingRecovery.Count == 0
            ? "Awaiting recovery: none"
            : $"Awaiting recovery: {string.Join(", ", state.AwaitingRecovery.Select(a => $"{a.NodeId}#{a.Incarnation.ToString(CultureInfo.InvariantCulture)}"))}");
    }

    private static string Json(FencingState state, bool history)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, s_indented))
        {
            json.WriteStartObject();
            json.WriteStartArray("pending");
            foreach (var p in state.Pending)
            {
                json.WriteStartObject();
                json.WriteNumber("node_id", p.NodeId.Value);
                json.WriteString("name", p.Name);
                json.WriteNumber("incarnation", p.Incarnation);
                json.WriteString("action", p.Action);
                json.WriteNumber("attempts", p.Attempts);
                json.WriteNumber("actor", p.Actor.Value);
                json.WriteString("requested_by", p.RequestedBy);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("awaiting_recovery");
            foreach (var a in state.AwaitingRecovery)
            {
                json.WriteStartObject();
                json.WriteNumber("node_id", a.NodeId.Value);
                json.WriteNumber("incarnation", a.Incarnation);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (history)
            {
                json.WriteStartArray("history");
                foreach (var h in state.History)
                {
                    json.WriteStartObject();
                    json.WriteNumber("age_ms", h.Age.TotalMilliseconds);
                    json.WriteNumber("target", h.Target.Value);
                    json.WriteString("target_name", h.TargetName);
                    json.WriteNumber("incarnation", h.Incarnation);
                    json.WriteNumber("level", h.Level);
                    json.WriteString("device", h.Device);
                    json.WriteString("action", h.Action);
                    json.WriteString("result", h.Outcome);
                    json.WriteNumber("duration_ms", h.Duration.TotalMilliseconds);
                    json.WriteNumber("actor", h.Actor.Value);
                    json.WriteString("requested_by", h.RequestedBy);
                    json.WriteString("output", h.Output);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // A number is a node id; a name is looked up among the pending nodes and the view's members.
    private static async Task<NodeId?> ResolveAsync(CommandSession session, string text)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint id) && id > 0)
        {
            return new NodeId(id);
        }

        var state = await session.Client.Fencing.GetAsync(session.Token);
        if (state.Pending.FirstOrDefault(p => string.Equals(p.Name, text, StringComparison.OrdinalIgnoreCase)) is { } pending)
        {
            return pending.NodeId;
        }

        var view = await session.Client.Membership.GetCurrentViewAsync(session.Token);
        return view.Members.FirstOrDefault(m => string.Equals(m.Name, text, StringComparison.OrdinalIgnoreCase))?.NodeId;
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}
