using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Muster.Client;

namespace Muster.Cli.Output;

// `muster links`: one row per peer and link, like corosync-cfgtool -s / knet link status. Kept apart from
// TextOutput/JsonOutput so the command stays one self-contained addition; the JSON field names follow the same
// rules (snake_case, documented in docs/cli.md, never renamed).
internal static class LinksOutput
{
    private static readonly JsonWriterOptions s_indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Text(TextWriter output, LinkReport links)
    {
        output.WriteLine($"Links: {links.Mode} mode, datagrams up to {links.DatagramSize.ToString(CultureInfo.InvariantCulture)} bytes");
        if (links.Peers.Count == 0)
        {
            output.WriteLine("no peers configured");
            return;
        }

        var table = new TableWriter(
            new Column("NODE ID", Align.Right), new Column("NAME"), new Column("LINK", Align.Right), new Column("STATE"),
            new Column("RTT", Align.Right), new Column("SINCE", Align.Right), new Column("LOCAL"), new Column("REMOTE"),
            new Column("PRIO", Align.Right), new Column("MTU", Align.Right), new Column("DOWNS", Align.Right));
        foreach (var peer in links.Peers)
        {
            foreach (var link in peer.Links)
            {
                string state = (link.Up ? "up" : "down") + (link.InUse ? "*" : "");
                table.AddRow(peer.Node.ToString(), peer.Name, link.Index.ToString(CultureInfo.InvariantCulture), state,
                    link.Rtt is { } rtt ? $"{Names.Milliseconds(rtt)} ms" : "-", Ago(link.SinceChange), link.LocalEndpoint,
                    link.RemoteEndpoint, link.Priority.ToString(CultureInfo.InvariantCulture), link.Mtu.ToString(CultureInfo.InvariantCulture),
                    link.DownTransitions.ToString(CultureInfo.InvariantCulture));
            }
        }

        table.Write(output);
        output.WriteLine("* = carries the traffic to that peer now");
    }

    public static string Json(LinkReport links)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, s_indented))
        {
            json.WriteStartObject();
            json.WriteString("mode", links.Mode);
            json.WriteNumber("datagram_size", links.DatagramSize);
            json.WriteStartArray("peers");
            foreach (var peer in links.Peers)
            {
                json.WriteStartObject();
                json.WriteNumber("node_id", peer.Node.Value);
                json.WriteString("name", peer.Name);
                json.WriteStartArray("links");
                foreach (var link in peer.Links)
                {
                    json.WriteStartObject();
                    json.WriteNumber("link", link.Index);
                    json.WriteString("state", link.Up ? "up" : "down");
                    json.WriteBoolean("in_use", link.InUse);
                    if (link.Rtt is { } rtt)
                    {
                        json.WriteNumber("rtt_ms", rtt.TotalMilliseconds);
                    }
                    else
                    {
                        json.WriteNull("rtt_ms");
                    }

                    json.WriteNumber("since_change_ms", link.SinceChange.TotalMilliseconds);
                    json.WriteString("local", link.LocalEndpoint);
                    json.WriteString("remote", link.RemoteEndpoint);
                    json.WriteNumber("priority", link.Priority);
                    json.WriteNumber("mtu", link.Mtu);
                    json.WriteNumber("up_transitions", link.UpTransitions);
                    json.WriteNumber("down_transitions", link.DownTransitions);
                    json.WriteNumber("probes_sent", link.ProbesSent);
                    json.WriteNumber("pongs_received", link.PongsReceived);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // "850ms", "12s", "3m20s", "2h05m": enough to tell a fresh flap from an old one at a glance.
    internal static string Ago(TimeSpan value) =>
        value < TimeSpan.Zero ? "0ms"
        : value < TimeSpan.FromSeconds(1) ? string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMilliseconds}ms")
        : value < TimeSpan.FromMinutes(1) ? string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalSeconds}s")
        : value < TimeSpan.FromHours(1) ? string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m{value.Seconds:00}s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h{value.Minutes:00}m");
}
