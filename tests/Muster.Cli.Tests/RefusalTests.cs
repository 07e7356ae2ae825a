using System.Text.Json;
using Muster.Cli.Output;
using Muster.Core;
using Muster.Client;

namespace Muster.Cli.Tests;

// `muster status` and `muster nodes` on a node that is alone or stuck joining say why, with an exit code per kind.
public sealed class RefusalTests
{
    private static RefusalInfo NodeList(uint node = 2, string name = "beta") =>
        new(new NodeId(node), name, $"10.0.0.{node}:5405", RefusalDirection.Inbound, RefusalReason.NodeList,
            "we refuse its packets: its node list differs from ours (it lists nodes 1,2; we list 1,2,3)", TimeSpan.FromMilliseconds(400), 31);

    private static RefusalInfo WrongKey(uint node) =>
        new(new NodeId(node), $"n{node}", $"10.0.0.{node}:5405", RefusalDirection.Inbound, RefusalReason.UnknownKey,
            "we drop its packets: they are sealed with key bbbbbbbb, which we do not hold (we hold aaaaaaaa): the key files differ",
            TimeSpan.FromMilliseconds(80), 120);

    private static readonly RefusalInfo s_stranger =
        new(NodeId.None, "", "10.79.0.2:5405", RefusalDirection.Inbound, RefusalReason.UnknownAddress,
            "we drop its datagrams: this address is not in our node list, so the node lists differ", TimeSpan.FromSeconds(2), 17);

    private static readonly RefusalInfo s_version =
        new(new NodeId(3), "gamma", "10.0.0.3:5405", RefusalDirection.Outbound, RefusalReason.ProtocolVersion,
            "it refuses our packets: no wire version in common (it speaks up to 3)", TimeSpan.FromSeconds(1), 2);

    [Fact]
    public async Task Status_of_a_joining_node_with_another_node_list_exits_8_and_says_why()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.NoView = true;
        daemon.Refusals = [NodeList()];

        var run = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.ConfigDiffers, run.ToString());
        string text = run.Out.ReplaceLineEndings("\n");
        Assert.Contains("Refusals (1 refusal): why nodes are kept out\n", text, StringComparison.Ordinal);
        Assert.Contains("NODE      ADDRESS        REASON     LAST SEEN  PACKETS  WHY\n", text, StringComparison.Ordinal);
        Assert.Contains("2 (beta)  10.0.0.2:5405  node_list   0.4s ago       31  we refuse its packets: its node list differs", text,
            StringComparison.Ordinal);
        Assert.Equal("muster: node 1 (alpha) has no view yet: node 2 (beta): we refuse its packets: its node list differs from ours " +
            "(it lists nodes 1,2; we list 1,2,3)", run.Error.TrimEnd());
    }

    [Fact]
    public async Task Nodes_of_a_node_alone_with_the_wrong_key_exits_7_and_json_lists_the_refusals()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Alone = true;
        daemon.Refusals = [WrongKey(2), WrongKey(3)];

        var text = await CliRun.RunAsync("nodes", "--socket", daemon.SocketPath);
        var json = await CliRun.RunAsync("nodes", "--json", "--socket", daemon.SocketPath);

        Assert.True(text.ExitCode == ExitCodes.KeysDiffer, text.ToString());
        Assert.StartsWith("View 1.1c: 1 node\n", text.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("unknown_key", text.Out, StringComparison.Ordinal);
        Assert.Equal("muster: node 1 (alpha) is alone in its view: node 2 (n2): we drop its packets: they are sealed with key bbbbbbbb, " +
            "which we do not hold (we hold aaaaaaaa): the key files differ (and 1 more: see `muster status`)", text.Error.TrimEnd());
        Assert.True(json.ExitCode == ExitCodes.KeysDiffer, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var refusals = doc.RootElement.GetProperty("refusals");
        Assert.Equal(2, refusals.GetArrayLength());
        var first = refusals[0];
        Assert.Equal(2u, first.GetProperty("node_id").GetUInt32());
        Assert.Equal("n2", first.GetProperty("name").GetString());
        Assert.Equal("inbound", first.GetProperty("direction").GetString());
        Assert.Equal("unknown_key", first.GetProperty("reason").GetString());
        Assert.Equal(80, first.GetProperty("age_ms").GetDouble());
        Assert.Equal(120, first.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task An_address_outside_the_node_list_exits_8_and_has_no_node_id_in_json()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Alone = true;
        daemon.Refusals = [s_stranger];

        var run = await CliRun.RunAsync("status", "--json", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.ConfigDiffers, run.ToString());
        using var doc = JsonDocument.Parse(run.Out);
        var refusal = doc.RootElement.GetProperty("refusals")[0];
        Assert.Equal(JsonValueKind.Null, refusal.GetProperty("node_id").ValueKind);
        Assert.Equal("10.79.0.2:5405", refusal.GetProperty("address").GetString());
        Assert.Equal("unknown_address", refusal.GetProperty("reason").GetString());
        Assert.Contains("muster: node 1 (alpha) is alone in its view: 10.79.0.2:5405: we drop its datagrams: this address is not in our node list",
            run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_wire_version_in_common_exits_9_and_the_key_code_wins_over_the_others()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.NoView = true;
        daemon.Refusals = [s_version];

        var version = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        daemon.Refusals = [s_version, NodeList(), WrongKey(3)];
        var all = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);

        Assert.True(version.ExitCode == ExitCodes.VersionDiffers, version.ToString());
        Assert.Contains("node 3 (gamma): it refuses our packets: no wire version in common", version.Error, StringComparison.Ordinal);
        Assert.True(all.ExitCode == ExitCodes.KeysDiffer, all.ToString());
        Assert.Contains("Refusals (3 refusals)", all.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_of_a_member_does_not_change_the_exit_code()
    {
        // Node 2 is in the view: a stray refused packet of it (a forged one, say) is shown, but it keeps nobody out.
        await using var daemon = FakeDaemon.Start();
        daemon.Refusals = [NodeList(2, "beta")];

        var run = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("Refusals (1 refusal)", run.Out, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Nothing_refused_prints_no_section_and_json_has_an_empty_list()
    {
        await using var daemon = FakeDaemon.Start();

        var text = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        var json = await CliRun.RunAsync("nodes", "--json", "--socket", daemon.SocketPath);

        Assert.True(text.ExitCode == ExitCodes.Success, text.ToString());
        Assert.DoesNotContain("Refusals", text.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(0, doc.RootElement.GetProperty("refusals").GetArrayLength());
    }

    [Fact]
    public async Task A_daemon_from_before_refusals_still_gets_its_status_shown()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Refusals = null;
        daemon.NoView = true;

        var text = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        var json = await CliRun.RunAsync("status", "--json", "--socket", daemon.SocketPath);

        Assert.True(text.ExitCode == ExitCodes.NoView, text.ToString());
        Assert.Contains("has no view yet", text.Error, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("refusals").ValueKind);
    }

    [Fact]
    public void A_reason_from_a_newer_daemon_prints_as_a_number_and_counts_as_a_configuration_difference()
    {
        var newer = NodeList() with { Reason = (RefusalReason)77 };
        Assert.Equal("unknown_77", Names.Reason(newer.Reason));
        Assert.Equal(ExitCodes.ConfigDiffers, Commands.Refusals.CodeOf(newer.Reason));
    }
}
