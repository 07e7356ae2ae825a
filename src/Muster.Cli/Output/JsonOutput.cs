using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Muster.Cli.Commands;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Output;

// The --json output, written by hand with Utf8JsonWriter (no reflection, so Native AOT stays clean). Field names are
// snake_case and stable: docs/cli.md lists them, and scripts depend on them. Add fields; never rename or remove one.
internal static class JsonOutput
{
    // Relaxed escaping keeps node names and message text readable (no \u00e9); this is never embedded in HTML.
    private static readonly JsonWriterOptions s_indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions s_compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // keys is null when musterd did not report its keys (one that predates encryption): then both fields are null.
    public static string Status(DaemonStatus status, ClusterKeys? keys, IReadOnlyList<RefusalInfo>? refusals = null, bool indented = true) =>
        Write(indented, json =>
    {
        json.WriteStartObject();
        json.WriteNumber("node_id", status.NodeId.Value);
        json.WriteString("node_name", status.NodeName);
        json.WriteString("cluster_name", status.ClusterName);
        json.WriteString("view_id", Names.ViewOrNull(status.ViewId));
        json.WriteString("state", status.State);
        json.WriteNumber("protocol_version", status.ProtocolVersion);
        json.WriteStartArray("members");
        foreach (var member in status.Members)
        {
            WriteMember(json, member, status.NodeId);
        }

        json.WriteEndArray();
        json.WriteStartObject("timeouts_ms");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in status.Timeouts)
        {
            // Duplicate keys would make the object ambiguous to parsers; the first value is the daemon's own.
            if (seen.Add(name))
            {
                json.WriteNumber(name, value.TotalMilliseconds);
            }
        }

        json.WriteEndObject();
        json.WriteStartObject("counters");
        seen.Clear();
        foreach (var (name, value) in status.Counters)
        {
            if (seen.Add(name))
            {
                json.WriteNumber(name, value);
            }
        }

        json.WriteEndObject();
        WriteKeys(json, keys);
        WritePeers(json, status.Peers);
        WriteRefusals(json, refusals);
        json.WriteEndObject();
    });

    // null when musterd does not report per-peer counters (one from before they existed).
    private static void WritePeers(Utf8JsonWriter json, IReadOnlyList<PeerCounters>? peers)
    {
        if (peers is null)
        {
            json.WriteNull("peers");
            return;
        }

        json.WriteStartArray("peers");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var peer in peers)
        {
            json.WriteStartObject();
            json.WriteNumber("node_id", peer.Node.Value);
            json.WriteString("name", peer.Name);
            json.WriteStartObject("counters");
            seen.Clear();
            foreach (var (name, value) in peer.Counters)
            {
                if (seen.Add(name))
                {
                    json.WriteNumber(name, value);
                }
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    // `muster key status` (operation null) and the key steps (operation and outcome added).
    public static string Keys(ClusterKeys keys, string? operation, bool indented = true) => Write(indented, json =>
    {
        json.WriteStartObject();
        if (operation is not null)
        {
            json.WriteString("operation", operation);
            json.WriteString("outcome", keys.Outcome);
        }

        WriteKeys(json, keys);
        json.WriteEndObject();
    });

    public static string Keygen(KeygenResult result, bool indented = true) => Write(indented, json =>
    {
        json.WriteStartObject();
        json.WriteString("key_file", result.Path);
        json.WriteString("fingerprint", result.Fingerprint);
        json.WriteNumber("bytes", result.Bytes);
        json.WriteString("mode", "0400");
        json.WriteBoolean("replaced", result.Replaced);
        json.WriteString("created_directory", result.CreatedDirectory);
        json.WriteEndObject();
    });

    private static void WriteKeys(Utf8JsonWriter json, ClusterKeys? keys)
    {
        if (keys is null)
        {
            json.WriteNull("encrypted");
            json.WriteNull("keys");
            return;
        }

        json.WriteBoolean("encrypted", keys.Encrypted);
        json.WriteStartArray("keys");
        foreach (var key in keys.Keys)
        {
            json.WriteStartObject();
            json.WriteString("fingerprint", Names.Fingerprint(key.Fingerprint));
            json.WriteString("role", Names.Role(key.Role));
            json.WriteString("source", key.Source);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    public static string Nodes(ClusterView view, NodeId localNode, IReadOnlyList<RefusalInfo>? refusals = null, bool indented = true) =>
        Write(indented, json =>
    {
        json.WriteStartObject();
        json.WriteString("view_id", Names.ViewOrNull(view.ViewId));
        json.WriteStartArray("nodes");
        foreach (var member in view.Members)
        {
            WriteMember(json, member, localNode);
        }

        json.WriteEndArray();
        WriteRefusals(json, refusals);
        json.WriteEndObject();
    });

    // Null when musterd does not report refusals (one from before the request), an empty array when nothing is refused.
    private static void WriteRefusals(Utf8JsonWriter json, IReadOnlyList<RefusalInfo>? refusals)
    {
        if (refusals is null)
        {
            json.WriteNull("refusals");
            return;
        }

        json.WriteStartArray("refusals");
        foreach (var r in refusals)
        {
            json.WriteStartObject();
            if (r.Node.IsValid)
            {
                json.WriteNumber("node_id", r.Node.Value);
                json.WriteString("name", r.Name);
            }
            else
            {
                json.WriteNull("node_id");
                json.WriteNull("name");
            }

            json.WriteString("address", r.Address);
            json.WriteString("direction", Names.Direction(r.Direction));
            json.WriteString("reason", Names.Reason(r.Reason));
            json.WriteString("text", r.Text);
            json.WriteNumber("age_ms", r.Age.TotalMilliseconds);
            json.WriteNumber("count", r.Count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    public static string Groups(IReadOnlyList<GroupSummary> groups, bool indented = true) => Write(indented, json =>
    {
        json.WriteStartObject();
        json.WriteStartArray("groups");
        foreach (var group in groups)
        {
            json.WriteStartObject();
            json.WriteString("name", group.Name);
            json.WriteNumber("member_count", group.MemberCount);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    });

    public static string GroupMembers(string group, IReadOnlyList<GroupMember> members, bool indented = true) => Write(indented, json =>
    {
        json.WriteStartObject();
        json.WriteString("group", group);
        json.WriteStartArray("members");
        foreach (var member in members)
        {
            WriteProcess(json, member);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    });

    // One line per event for `muster listen --json` (JSON Lines).
    public static string Event(GroupEvent groupEvent) => Write(indented: false, json =>
    {
        json.WriteStartObject();
        switch (groupEvent)
        {
            case GroupMembershipChange change:
                json.WriteString("type", "membership");
                json.WriteString("group", change.Group);
                json.WriteString("view_id", Names.ViewOrNull(change.ViewId));
                json.WriteStartArray("members");
                foreach (var member in change.Members)
                {
                    WriteProcess(json, member);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                WriteChanges(json, "joined", change.Joined);
                WriteChanges(json, "left", change.Left);
                break;
            case GroupMessage message:
                json.WriteString("type", "message");
                json.WriteString("group", message.Group);
                json.WritePropertyName("sender");
                WriteProcess(json, message.Sender);
                json.WriteEndObject();
                var payload = message.Payload.Span;
                json.WriteNumber("size", payload.Length);
                if (Utf8.IsValid(payload))
                {
                    json.WriteString("text", payload);
                    json.WriteNull("hex");
                }
                else
                {
                    json.WriteNull("text");
                    json.WriteString("hex", Convert.ToHexStringLower(payload));
                }

                break;
            default:
                json.WriteString("type", "unknown");
                json.WriteString("group", groupEvent.Group);
                break;
        }

        json.WriteEndObject();
    });

    private static void WriteMember(Utf8JsonWriter json, MemberInfo member, NodeId localNode)
    {
        json.WriteStartObject();
        json.WriteNumber("node_id", member.NodeId.Value);
        json.WriteString("name", member.Name);
        json.WriteNumber("incarnation", member.Incarnation);
        json.WriteString("state", Names.State(member.State));
        json.WriteStartArray("addresses");
        foreach (string address in member.Addresses)
        {
            json.WriteStringValue(address);
        }

        json.WriteEndArray();
        json.WriteString("joined_view_id", member.JoinedViewId is { } joined ? Names.ViewOrNull(joined) : null);
        json.WriteBoolean("local", member.NodeId == localNode);
        json.WriteEndObject();
    }

    // Opens an object with the process's node_id and pid; the caller may add fields, then closes it.
    private static void WriteProcess(Utf8JsonWriter json, GroupMember member)
    {
        json.WriteStartObject();
        json.WriteNumber("node_id", member.NodeId.Value);
        json.WriteNumber("pid", member.ProcessId);
    }

    private static void WriteChanges(Utf8JsonWriter json, string name, IReadOnlyList<GroupMemberChange> changes)
    {
        json.WriteStartArray(name);
        foreach (var change in changes)
        {
            WriteProcess(json, change.Member);
            json.WriteString("reason", Names.Reason(change.Reason));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static string Write(bool indented, Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, indented ? s_indented : s_compact))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
