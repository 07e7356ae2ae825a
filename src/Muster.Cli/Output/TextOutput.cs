using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Muster.Cli.Commands;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Output;

// The human-readable output: sections with underlined headings and aligned tables, in the manner of
// corosync-quorumtool -s, corosync-cfgtool -s and corosync-cpgtool.
internal static class TextOutput
{
    // Human output shows at most this much of a binary payload; --json has all of it.
    private const int MaxHexBytes = 64;

    // keys is null when musterd did not report its keys (one that predates encryption); refusals is null when it did
    // not report them (one that predates the request), and empty when nothing is refused.
    public static void Status(TextWriter output, DaemonStatus status, ClusterKeys? keys, IReadOnlyList<RefusalInfo>? refusals = null)
    {
        TableWriter.WriteHeading(output, "Node information");
        TableWriter.WriteFields(output,
        [
            ("Node ID", status.NodeId.ToString()),
            ("Node name", status.NodeName),
            ("Cluster name", status.ClusterName),
            ("View ID", status.ViewId.ToString()),
            ("State", status.State),
            ("Protocol version", status.ProtocolVersion.ToString(CultureInfo.InvariantCulture)),
            ("Encryption", keys is null ? "unknown (musterd did not report its keys)" : Encryption(keys)),
        ]);

        // Right after the node: when a node is alone or stuck joining, this is what one is looking for.
        Refusals(output, refusals);
        output.WriteLine();
        TableWriter.WriteHeading(output, $"Membership information ({Count(status.Members.Count, "member")})");
        if (status.Members.Count == 0)
        {
            output.WriteLine("no view installed yet");
        }
        else
        {
            var members = new TableWriter(
                new Column("NODE ID", Align.Right), new Column("NAME"), new Column("INCARNATION", Align.Right), new Column("ADDRESSES"));
            foreach (var m in status.Members)
            {
                members.AddRow(m.NodeId.ToString(), NameOf(m, status.NodeId), Number(m.Incarnation), Addresses(m));
            }

            members.Write(output);
        }

        output.WriteLine();
        TableWriter.WriteHeading(output, "Timeouts");
        var timeouts = new TableWriter(new Column("NAME"), new Column("VALUE", Align.Right));
        foreach (var (name, value) in status.Timeouts)
        {
            timeouts.AddRow(name, $"{Names.Milliseconds(value)} ms");
        }

        timeouts.Write(output);
        output.WriteLine();
        TableWriter.WriteHeading(output, "Counters");
        var counters = new TableWriter(new Column("NAME"), new Column("VALUE", Align.Right));
        foreach (var (name, value) in status.Counters)
        {
            counters.AddRow(name, Number(value));
        }

        counters.Write(output);
        if (status.Peers is { Count: > 0 } peers)
        {
            output.WriteLine();
            PeerTable(output, peers);
        }

        if (keys is { Encrypted: true })
        {
            output.WriteLine();
            TableWriter.WriteHeading(output, $"Keys ({Count(keys.Keys.Count, "key")})");
            KeyTable(output, keys);
        }
    }

    // One column per counter name, in the order the daemon first reports them, so a counter added later shows up
    // without a CLI change; a peer that lacks one shows "-".
    private static void PeerTable(TextWriter output, IReadOnlyList<PeerCounters> peers)
    {
        TableWriter.WriteHeading(output, $"Peers ({Count(peers.Count, "peer")})");
        var names = peers.SelectMany(p => p.Counters.Select(c => c.Key)).Distinct(StringComparer.Ordinal).ToList();
        var table = new TableWriter([new Column("NODE ID", Align.Right), new Column("NAME"),
            .. names.Select(n => new Column(n.Replace('_', ' ').ToUpperInvariant(), Align.Right))]);
        foreach (var peer in peers)
        {
            table.AddRow([peer.Node.ToString(), Escape(peer.Name),
                .. names.Select(n => peer.Counters.FirstOrDefault(c => c.Key == n) is { Key: not null } c ? Number(c.Value) : "-")]);
        }

        table.Write(output);
    }

    // `muster key status` and the key steps: encryption on or off, then the keys.
    public static void Keys(TextWriter output, ClusterKeys keys)
    {
        TableWriter.WriteFields(output, [("Encryption", Encryption(keys))]);
        if (keys.Encrypted)
        {
            output.WriteLine();
            KeyTable(output, keys);
        }
    }

    public static void Keygen(TextWriter output, KeygenResult result)
    {
        if (result.CreatedDirectory is not null)
        {
            output.WriteLine($"created directory {Escape(result.CreatedDirectory)} (mode 0755)");
        }

        output.WriteLine($"{(result.Replaced ? "replaced the key in" : "wrote a new key to")} {Escape(result.Path)} "
            + $"({Count(result.Bytes, "random byte")}, mode 0400; {Escape(result.Reason)})");
        output.WriteLine($"fingerprint: {result.Fingerprint}");
        output.WriteLine("copy this file to every node: all nodes must hold the same bytes (see docs/security.md)");
        if (result.Replaced)
        {
            // The daemons read the file only at start and on `muster key load`: nothing changes until then.
            output.WriteLine("a running musterd keeps its keys until `muster key load`, `activate` and `retire` run on every node");
        }
    }

    private static string Encryption(ClusterKeys keys) =>
        keys.Encrypted ? "on (AES-256-GCM)" : "off (security.crypto = \"none\"): cluster traffic is neither authenticated nor encrypted";

    private static void KeyTable(TextWriter output, ClusterKeys keys)
    {
        var table = new TableWriter(new Column("FINGERPRINT"), new Column("ROLE"), new Column("SOURCE"));
        foreach (var key in keys.Keys)
        {
            table.AddRow(Names.Fingerprint(key.Fingerprint), Names.Role(key.Role), Escape(key.Source));
        }

        table.Write(output);
    }

    public static void Nodes(TextWriter output, ClusterView view, NodeId localNode, IReadOnlyList<RefusalInfo>? refusals = null)
    {
        if (view.ViewId.IsNone)
        {
            output.WriteLine("no view installed yet");
            Refusals(output, refusals);
            return;
        }

        output.WriteLine($"View {view.ViewId}: {Count(view.Members.Count, "node")}");
        var table = new TableWriter(
            new Column("NODE ID", Align.Right), new Column("NAME"), new Column("INCARNATION", Align.Right), new Column("STATE"),
            new Column("ADDRESSES"), new Column("JOINED IN"));
        foreach (var m in view.Members)
        {
            table.AddRow(m.NodeId.ToString(), NameOf(m, localNode), Number(m.Incarnation), Names.State(m.State), Addresses(m),
                m.JoinedViewId is { IsNone: false } joined ? joined.ToString() : "-");
        }

        table.Write(output);
        Refusals(output, refusals);
    }

    // The section that says why nodes are kept out; nothing when no packet is refused (or musterd does not say).
    private static void Refusals(TextWriter output, IReadOnlyList<RefusalInfo>? refusals)
    {
        if (refusals is not { Count: > 0 })
        {
            return;
        }

        output.WriteLine();
        TableWriter.WriteHeading(output, $"Refusals ({Count(refusals.Count, "refusal")}): why nodes are kept out");
        var table = new TableWriter(new Column("NODE"), new Column("ADDRESS"), new Column("REASON"), new Column("LAST SEEN", Align.Right),
            new Column("PACKETS", Align.Right), new Column("WHY"));
        foreach (var r in refusals)
        {
            table.AddRow(r.Node.IsValid ? (r.Name.Length == 0 ? r.Node.ToString() : $"{r.Node} ({Escape(r.Name)})") : "-",
                r.Address.Length == 0 ? "-" : Escape(r.Address), Names.Reason(r.Reason), Names.Ago(r.Age), Number(r.Count), Escape(r.Text));
        }

        table.Write(output);
    }

    public static void Groups(TextWriter output, IReadOnlyList<GroupSummary> groups)
    {
        if (groups.Count == 0)
        {
            output.WriteLine("no process groups");
            return;
        }

        var table = new TableWriter(new Column("GROUP"), new Column("MEMBERS", Align.Right));
        foreach (var group in groups)
        {
            table.AddRow(Escape(group.Name), Number(group.MemberCount));
        }

        table.Write(output);
    }

    public static void GroupMembers(TextWriter output, string group, IReadOnlyList<GroupMember> members)
    {
        output.WriteLine($"Group {Escape(group)}: {Count(members.Count, "member")}");
        var table = new TableWriter(new Column("NODE ID", Align.Right), new Column("PID", Align.Right));
        foreach (var member in members)
        {
            table.AddRow(member.NodeId.ToString(), Number(member.ProcessId));
        }

        table.Write(output);
    }

    // One line per event for `muster listen`:
    //   view 1.1c: joined 2/1234 (join); left 3/99 (node down); members: 1/100 2/1234
    //   [2/1234] text
    public static string Event(GroupEvent groupEvent) => groupEvent switch
    {
        GroupMembershipChange change => Change(change),
        GroupMessage message => $"[{message.Sender}] {Payload(message.Payload.Span)}",
        _ => $"unknown event in group {Escape(groupEvent.Group)}",
    };

    // UTF-8 text with control characters escaped (one message stays on one line); anything else as length and hex.
    public static string Payload(ReadOnlySpan<byte> payload)
    {
        if (Utf8.IsValid(payload))
        {
            return Escape(Encoding.UTF8.GetString(payload));
        }

        string hex = Convert.ToHexStringLower(payload[..Math.Min(payload.Length, MaxHexBytes)]);
        return payload.Length > MaxHexBytes
            ? $"({payload.Length} bytes, not UTF-8) {hex}..."
            : $"({payload.Length} bytes, not UTF-8) {hex}";
    }

    private static string Change(GroupMembershipChange change)
    {
        var line = new StringBuilder($"view {change.ViewId}: ");
        if (change.Joined.Count > 0)
        {
            line.Append("joined ").Append(Changes(change.Joined)).Append("; ");
        }

        if (change.Left.Count > 0)
        {
            line.Append("left ").Append(Changes(change.Left)).Append("; ");
        }

        line.Append("members: ").Append(change.Members.Count == 0 ? "(none)" : string.Join(' ', change.Members));
        return line.ToString();
    }

    private static string Changes(IReadOnlyList<GroupMemberChange> changes) =>
        string.Join(", ", changes.Select(c => $"{c.Member} ({Names.Reason(c.Reason).Replace('_', ' ')})"));

    private static string NameOf(MemberInfo member, NodeId localNode) =>
        member.NodeId == localNode ? $"{member.Name} (local)" : member.Name;

    private static string Addresses(MemberInfo member) => member.Addresses.Count == 0 ? "-" : string.Join(", ", member.Addresses);

    private static string Number<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    private static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
