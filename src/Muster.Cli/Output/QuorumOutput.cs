using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Output;

// `muster quorum`: what corosync-quorumtool -s shows, in its order and words, so an operator who knows one reads the
// other. JSON field names follow the CLI's rules (snake_case, documented in docs/cli.md, never renamed).
internal static class QuorumOutput
{
    private static readonly JsonWriterOptions s_indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // corosync-quorumtool's flag words, in its order.
    private static readonly (QuorumFlags Flag, string Text, string Json)[] s_flags =
    [
        (QuorumFlags.Quorate, "Quorate", "quorate"),
        (QuorumFlags.TwoNode, "2Node", "two_node"),
        (QuorumFlags.WaitForAll, "WaitForAll", "wait_for_all"),
        (QuorumFlags.WaitingForAll, "WaitingForAll", "waiting_for_all"),
        (QuorumFlags.LastManStanding, "LastManStanding", "last_man_standing"),
        (QuorumFlags.AutoTieBreaker, "AutoTieBreaker", "auto_tie_breaker"),
        (QuorumFlags.AllowDownscale, "AllowDownscale", "allow_downscale"),
        (QuorumFlags.Arbiter, "Qdevice", "arbiter"),
    ];

    public static void Text(TextWriter output, QuorumInfo q, NodeId localNode)
    {
        output.WriteLine("Quorum information");
        output.WriteLine("------------------");
        output.WriteLine($"Nodes:            {Int(q.Nodes.Count)}");
        output.WriteLine($"Node ID:          {localNode}");
        output.WriteLine($"View ID:          {q.ViewId}");
        output.WriteLine($"Quorate:          {(q.Quorate ? "Yes" : "No")}");
        output.WriteLine();
        output.WriteLine("Votequorum information");
        output.WriteLine("----------------------");
        output.WriteLine($"Expected votes:   {Int(q.ExpectedVotes)}");
        output.WriteLine($"Highest expected: {Int(q.HighestExpected)}");
        output.WriteLine($"Total votes:      {Int(q.TotalVotes)}");
        output.WriteLine($"Quorum:           {Int(q.Quorum)}{(q.Quorate ? "" : "  Activity blocked")}");
        string flags = string.Join(" ", s_flags.Where(f => q.Flags.HasFlag(f.Flag)).Select(f => f.Text));
        output.WriteLine($"Flags:            {(flags.Length == 0 ? "-" : flags)}");
        output.WriteLine($"Reason:           {ReasonText(q.Reason)}");
        if (!q.Synced)
        {
            output.WriteLine("                  (the members' figures for this view are not all in yet)");
        }

        output.WriteLine();
        output.WriteLine("Membership information");
        output.WriteLine("----------------------");
        var table = new TableWriter(new Column("NODE ID", Align.Right), new Column("VOTES", Align.Right), new Column("NAME"));
        foreach (var n in q.Nodes)
        {
            table.AddRow(n.NodeId.ToString(), Int(n.Votes), n.NodeId == localNode ? $"{n.Name} (local)" : n.Name);
        }

        table.Write(output);
    }

    public static string Json(QuorumInfo q, NodeId localNode)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, s_indented))
        {
            json.WriteStartObject();
            json.WriteNumber("node_id", localNode.Value);
            json.WriteString("view_id", q.ViewId.ToString());
            json.WriteBoolean("quorate", q.Quorate);
            json.WriteNumber("expected_votes", q.ExpectedVotes);
            json.WriteNumber("highest_expected", q.HighestExpected);
            json.WriteNumber("total_votes", q.TotalVotes);
            json.WriteNumber("quorum", q.Quorum);
            json.WriteString("reason", Reason(q.Reason));
            json.WriteBoolean("synced", q.Synced);
            json.WriteStartArray("flags");
            foreach (var f in s_flags.Where(f => q.Flags.HasFlag(f.Flag)))
            {
                json.WriteStringValue(f.Json);
            }

            json.WriteEndArray();
            json.WriteStartArray("nodes");
            foreach (var n in q.Nodes)
            {
                json.WriteStartObject();
                json.WriteNumber("node_id", n.NodeId.Value);
                json.WriteString("name", n.Name);
                json.WriteNumber("votes", n.Votes);
                json.WriteNumber("expected_votes", n.ExpectedVotes);
                json.WriteBoolean("local", n.NodeId == localNode);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Reason(QuorumReason reason) => reason switch
    {
        QuorumReason.EnoughVotes => "enough_votes",
        QuorumReason.TwoNode => "two_node",
        QuorumReason.TieBreaker => "tie_breaker",
        QuorumReason.NotEnoughVotes => "not_enough_votes",
        QuorumReason.WaitingForAll => "waiting_for_all",
        _ => $"unknown_{(int)reason}",
    };

    private static string ReasonText(QuorumReason reason) => reason switch
    {
        QuorumReason.EnoughVotes => "the votes present reach quorum",
        QuorumReason.TwoNode => "two_node: one vote of two is enough",
        QuorumReason.TieBreaker => "an even split, and this side holds the tie-breaker node",
        QuorumReason.NotEnoughVotes => "the votes present are below quorum",
        QuorumReason.WaitingForAll => "wait_for_all: not every node has been seen since the cluster started (muster quorum unblock lifts it)",
        _ => $"reason {(int)reason}",
    };

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
