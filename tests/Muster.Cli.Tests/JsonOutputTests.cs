using System.Text.Json;
using Muster.Cli.Output;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Tests;

// The --json shapes are an interface: these tests pin every field name and type (docs/cli.md lists the same).
public sealed class JsonOutputTests
{
    [Fact]
    public void Status_has_the_documented_fields()
    {
        using var doc = JsonDocument.Parse(JsonOutput.Status(Samples.Status(), Samples.Keys()));
        var root = doc.RootElement;

        Assert.Equal(
            ["node_id", "node_name", "cluster_name", "view_id", "state", "protocol_version", "members", "timeouts_ms", "counters", "encrypted", "keys", "peers", "refusals"],
            Names(root));
        Assert.Equal(1u, root.GetProperty("node_id").GetUInt32());
        Assert.Equal("alpha", root.GetProperty("node_name").GetString());
        Assert.Equal("prod", root.GetProperty("cluster_name").GetString());
        Assert.Equal("1.1c", root.GetProperty("view_id").GetString());
        Assert.Equal("operational", root.GetProperty("state").GetString());
        Assert.Equal(1, root.GetProperty("protocol_version").GetInt32());
        Assert.Equal(3, root.GetProperty("members").GetArrayLength());
        AssertMember(root.GetProperty("members")[0], 1, "alpha", 4, "member", ["10.0.0.1:5405", "192.168.1.1:5405"], "1.1a", local: true);

        var timeouts = root.GetProperty("timeouts_ms");
        Assert.Equal(["token", "consensus", "join"], Names(timeouts));
        Assert.Equal(1000, timeouts.GetProperty("token").GetDouble());
        Assert.Equal("1000", timeouts.GetProperty("token").GetRawText());
        Assert.Equal(1200, timeouts.GetProperty("consensus").GetDouble());
        Assert.Equal(0.5, timeouts.GetProperty("join").GetDouble());

        var counters = root.GetProperty("counters");
        Assert.Equal(["messages_sent", "view_changes"], Names(counters));
        Assert.Equal(42, counters.GetProperty("messages_sent").GetInt64());

        Assert.True(root.GetProperty("encrypted").GetBoolean());
        var key = root.GetProperty("keys")[0];
        Assert.Equal(["fingerprint", "role", "source"], Names(key));
        Assert.Equal("aaaaaaaa", key.GetProperty("fingerprint").GetString());
        Assert.Equal("current", key.GetProperty("role").GetString());
        Assert.Equal("/etc/muster/authkey", key.GetProperty("source").GetString());

        var peer = root.GetProperty("peers")[1];
        Assert.Equal(2, root.GetProperty("peers").GetArrayLength());
        Assert.Equal(["node_id", "name", "counters"], Names(peer));
        Assert.Equal(3u, peer.GetProperty("node_id").GetUInt32());
        Assert.Equal("gamma", peer.GetProperty("name").GetString());
        Assert.Equal(["declared_failed_while_link_up"], Names(peer.GetProperty("counters")));
        Assert.Equal(2, peer.GetProperty("counters").GetProperty("declared_failed_while_link_up").GetInt64());
    }

    [Fact]
    public void Status_from_a_daemon_without_peer_counters_has_null_peers()
    {
        using var doc = JsonDocument.Parse(JsonOutput.Status(Samples.Status() with { Peers = null }, Samples.Keys()));

        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("peers").ValueKind);
    }

    [Fact]
    public void Status_from_a_daemon_without_keys_has_null_keys()
    {
        using var doc = JsonDocument.Parse(JsonOutput.Status(Samples.Status(), keys: null));

        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("encrypted").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("keys").ValueKind);
    }

    [Fact]
    public void Key_steps_add_operation_and_outcome()
    {
        var keys = new ClusterKeys(true,
            [new KeyInfo(0xbbbbbbbb, KeyRole.Current, "/k"), new KeyInfo(7, KeyRole.Previous, "/k")], "now sealing with key bbbbbbbb");

        using var step = JsonDocument.Parse(JsonOutput.Keys(keys, "activate"));
        using var status = JsonDocument.Parse(JsonOutput.Keys(keys, operation: null));

        Assert.Equal(["operation", "outcome", "encrypted", "keys"], Names(step.RootElement));
        Assert.Equal("activate", step.RootElement.GetProperty("operation").GetString());
        Assert.Equal("now sealing with key bbbbbbbb", step.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("00000007", step.RootElement.GetProperty("keys")[1].GetProperty("fingerprint").GetString());
        Assert.Equal("previous", step.RootElement.GetProperty("keys")[1].GetProperty("role").GetString());
        Assert.Equal(["encrypted", "keys"], Names(status.RootElement));
    }

    [Fact]
    public void Status_without_a_view_has_a_null_view_id_and_no_members()
    {
        using var doc = JsonDocument.Parse(JsonOutput.Status(Samples.Status(ViewId.None), Samples.Keys()));

        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("view_id").ValueKind);
        Assert.Equal("joining", doc.RootElement.GetProperty("state").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public void Status_keeps_the_first_of_duplicate_names()
    {
        var status = Samples.Status() with { Counters = [new("a", 1), new("a", 2)] };

        using var doc = JsonDocument.Parse(JsonOutput.Status(status, Samples.Keys()));

        Assert.Equal(1, doc.RootElement.GetProperty("counters").GetProperty("a").GetInt64());
        Assert.Single(Names(doc.RootElement.GetProperty("counters")));
    }

    [Fact]
    public void Nodes_lists_every_member_with_state_addresses_and_joined_view()
    {
        using var doc = JsonDocument.Parse(JsonOutput.Nodes(Samples.ClusterView(), new NodeId(2)));
        var root = doc.RootElement;

        Assert.Equal(["view_id", "nodes", "refusals"], Names(root));
        Assert.Equal("1.1c", root.GetProperty("view_id").GetString());
        var nodes = root.GetProperty("nodes");
        Assert.Equal(3, nodes.GetArrayLength());
        AssertMember(nodes[0], 1, "alpha", 4, "member", ["10.0.0.1:5405", "192.168.1.1:5405"], "1.1a", local: false);
        AssertMember(nodes[1], 2, "beta", 12, "member", ["10.0.0.2:5405"], "1.1c", local: true);
        AssertMember(nodes[2], 3, "gamma", 1, "leaving", [], null, local: false);
    }

    [Fact]
    public void Groups_lists_names_and_member_counts()
    {
        using var doc = JsonDocument.Parse(JsonOutput.Groups([new GroupSummary("chat", 2), new GroupSummary("locks", 5)]));
        var groups = doc.RootElement.GetProperty("groups");

        Assert.Equal(["groups"], Names(doc.RootElement));
        Assert.Equal(2, groups.GetArrayLength());
        Assert.Equal(["name", "member_count"], Names(groups[0]));
        Assert.Equal("chat", groups[0].GetProperty("name").GetString());
        Assert.Equal(2, groups[0].GetProperty("member_count").GetInt32());
        Assert.Equal(5, groups[1].GetProperty("member_count").GetInt32());
    }

    [Fact]
    public void No_groups_is_an_empty_array()
    {
        using var doc = JsonDocument.Parse(JsonOutput.Groups([]));

        Assert.Equal(0, doc.RootElement.GetProperty("groups").GetArrayLength());
    }

    [Fact]
    public void Group_members_are_node_ids_and_pids()
    {
        using var doc = JsonDocument.Parse(JsonOutput.GroupMembers("chat", [new(new NodeId(1), 100), new(new NodeId(2), 1234)]));
        var root = doc.RootElement;

        Assert.Equal(["group", "members"], Names(root));
        Assert.Equal("chat", root.GetProperty("group").GetString());
        Assert.Equal(["node_id", "pid"], Names(root.GetProperty("members")[0]));
        Assert.Equal(2u, root.GetProperty("members")[1].GetProperty("node_id").GetUInt32());
        Assert.Equal(1234u, root.GetProperty("members")[1].GetProperty("pid").GetUInt32());
    }

    [Fact]
    public void A_membership_event_is_one_line_with_members_joined_and_left()
    {
        var change = new GroupMembershipChange("chat", Samples.View,
            [new(new NodeId(1), 100), new(new NodeId(2), 1234)],
            [new(new(new NodeId(2), 1234), GroupChangeReason.Join)],
            [new(new(new NodeId(3), 99), GroupChangeReason.NodeDown)]);

        string line = JsonOutput.Event(change);

        Assert.DoesNotContain('\n', line);
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal(["type", "group", "view_id", "members", "joined", "left"], Names(root));
        Assert.Equal("membership", root.GetProperty("type").GetString());
        Assert.Equal("1.1c", root.GetProperty("view_id").GetString());
        Assert.Equal(2, root.GetProperty("members").GetArrayLength());
        Assert.Equal(["node_id", "pid", "reason"], Names(root.GetProperty("joined")[0]));
        Assert.Equal("join", root.GetProperty("joined")[0].GetProperty("reason").GetString());
        Assert.Equal(99u, root.GetProperty("left")[0].GetProperty("pid").GetUInt32());
        Assert.Equal("node_down", root.GetProperty("left")[0].GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(GroupChangeReason.Join, "join")]
    [InlineData(GroupChangeReason.Leave, "leave")]
    [InlineData(GroupChangeReason.NodeDown, "node_down")]
    [InlineData(GroupChangeReason.NodeUp, "node_up")]
    [InlineData(GroupChangeReason.ProcessDown, "process_down")]
    public void Reasons_are_snake_case(GroupChangeReason reason, string expected)
    {
        Assert.Equal(expected, Output.Names.Reason(reason));
    }

    [Fact]
    public void A_text_message_has_its_text_and_no_hex()
    {
        var message = new GroupMessage("chat", new(new NodeId(2), 1234), "héllo \"you\"\n"u8.ToArray());

        string line = JsonOutput.Event(message);

        Assert.DoesNotContain('\n', line);
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal(["type", "group", "sender", "size", "text", "hex"], Names(root));
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal(1234u, root.GetProperty("sender").GetProperty("pid").GetUInt32());
        Assert.Equal(13, root.GetProperty("size").GetInt32());
        Assert.Equal("héllo \"you\"\n", root.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("hex").ValueKind);
        // Readable, not \u00e9.
        Assert.Contains("héllo", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_binary_message_has_hex_and_no_text()
    {
        var message = new GroupMessage("chat", new(new NodeId(2), 1234), new byte[] { 0x00, 0xff, 0xfe, 0x41 });

        using var doc = JsonDocument.Parse(JsonOutput.Event(message));
        var root = doc.RootElement;

        Assert.Equal(4, root.GetProperty("size").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("text").ValueKind);
        Assert.Equal("00fffe41", root.GetProperty("hex").GetString());
    }

    private static void AssertMember(
        JsonElement member, uint id, string name, ulong incarnation, string state, string[] addresses, string? joined, bool local)
    {
        Assert.Equal(["node_id", "name", "incarnation", "state", "addresses", "joined_view_id", "local"], Names(member));
        Assert.Equal(id, member.GetProperty("node_id").GetUInt32());
        Assert.Equal(name, member.GetProperty("name").GetString());
        Assert.Equal(incarnation, member.GetProperty("incarnation").GetUInt64());
        Assert.Equal(state, member.GetProperty("state").GetString());
        Assert.Equal(addresses, member.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Equal(joined, member.GetProperty("joined_view_id").GetString());
        Assert.Equal(local, member.GetProperty("local").GetBoolean());
    }

    private static string[] Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];
}
