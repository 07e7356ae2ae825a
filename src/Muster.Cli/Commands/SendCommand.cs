using System.CommandLine;
using System.Globalization;
using System.Text;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Commands;

// muster send GROUP TEXT: join, multicast, wait for our own copy in agreed order, leave. Waiting for the copy means
// every member of the group has been delivered the message (virtual synchrony) before this command says "sent".
internal static class SendCommand
{
    public static Command Create(CommandContext context)
    {
        var group = GlobalOptions.CreateGroup("The group to send to; joined for the duration of the command");
        var text = new Argument<string>("TEXT") { Description = "The message, sent as UTF-8 (quote it to include spaces)" };
        var count = GlobalOptions.CreateCount("Send N copies (default 1)");
        var command = new Command("send",
            "Join GROUP, send TEXT, wait until the message is delivered back in agreed order, leave. "
            + "The members see the join, the message and the leave. --timeout bounds the whole operation.")
        {
            group,
            text,
            count,
        };

        command.SetAction((parseResult, cancellationToken) => context.RunAsync(parseResult, async session =>
        {
            if (await session.RequireViewAsync(context) is int noView)
            {
                return noView;
            }

            string name = parseResult.GetRequiredValue(group);
            byte[] payload = Encoding.UTF8.GetBytes(parseResult.GetRequiredValue(text));
            int copies = parseResult.GetValue(count) ?? 1;
            await using var joined = await session.Client.Groups.JoinAsync(name, session.Token);
            using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
            // Read while sending: the event buffer is bounded, and an unread stream would stall the sends.
            var delivered = WaitForOwnCopiesAsync(joined, session.Client.NodeId, payload, copies, stopReading.Token);
            try
            {
                for (int i = 0; i < copies; i++)
                {
                    await joined.SendAsync(payload, session.Token);
                }
            }
            catch
            {
                await stopReading.CancelAsync();
                await Task.WhenAny(delivered);
                throw;
            }

            var self = await delivered;
            await joined.LeaveAsync(session.Token);
            context.Out.WriteLine(
                $"sent {Plural(copies, "message")} of {Plural(payload.Length, "byte")} to group '{name}' as {self}; "
                + "delivered to the group in agreed order");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    // Reads the group's events until `copies` messages with this payload have come back from this process; returns
    // this process as the group knows it.
    private static async Task<GroupMember> WaitForOwnCopiesAsync(
        ProcessGroup group, NodeId localNode, byte[] payload, int copies, CancellationToken cancellationToken)
    {
        GroupMember? self = null;
        int seen = 0;
        await foreach (var groupEvent in group.ReadEventsAsync(cancellationToken))
        {
            switch (groupEvent)
            {
                case GroupMembershipChange change when self is null:
                    self = FindSelf(change, localNode);
                    break;
                case GroupMessage message when message.Sender == self && message.Payload.Span.SequenceEqual(payload):
                    if (++seen == copies)
                    {
                        return message.Sender;
                    }

                    break;
            }
        }

        throw new MusterException(ErrorCode.Library, $"the event stream of group '{group.Name}' ended before the message came back");
    }

    // The first membership change a new member sees is its own join. Several processes of this node may join at once;
    // the one with our pid is us (the daemon sees our pid through SO_PEERCRED, unless it runs in another pid namespace:
    // then a sole candidate is taken).
    private static GroupMember? FindSelf(GroupMembershipChange change, NodeId localNode)
    {
        var candidates = change.Joined
            .Where(j => j.Reason == GroupChangeReason.Join && j.Member.NodeId == localNode)
            .Select(j => j.Member)
            .ToList();
        uint pid = (uint)Environment.ProcessId;
        foreach (var candidate in candidates)
        {
            if (candidate.ProcessId == pid)
            {
                return candidate;
            }
        }

        return candidates.Count == 1 ? candidates[0] : null;
    }
}
