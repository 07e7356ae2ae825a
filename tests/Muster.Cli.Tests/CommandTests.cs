using System.Text.Json;
using Muster.Ipc.Contracts;

namespace Muster.Cli.Tests;

// The commands run in-process (Cli.RunAsync) against the real IpcServer with a scripted daemon behind it.
public sealed class CommandTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Status_prints_the_sections()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("View ID:          1.1c\n", run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("alpha (local)", run.Out, StringComparison.Ordinal);
        Assert.Contains("messages_sent", run.Out, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Status_json_parses()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("status", "--json", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal("1.1c", doc.RootElement.GetProperty("view_id").GetString());
        Assert.Equal(1000, doc.RootElement.GetProperty("timeouts_ms").GetProperty("token").GetDouble());
    }

    [Fact]
    public async Task Status_shows_the_per_peer_counters_in_text_and_json()
    {
        await using var daemon = FakeDaemon.Start();

        var text = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        var json = await CliRun.RunAsync("status", "--json", "--socket", daemon.SocketPath);

        Assert.True(text.ExitCode == ExitCodes.Success, text.ToString());
        Assert.Contains("Peers (2 peers)\n---------------\nNODE ID  NAME   DECLARED FAILED WHILE LINK UP\n" +
            "      2  beta                               0\n      3  gamma                              2\n",
            text.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.True(json.ExitCode == ExitCodes.Success, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        var peers = doc.RootElement.GetProperty("peers");
        Assert.Equal([2u, 3u], peers.EnumerateArray().Select(p => p.GetProperty("node_id").GetUInt32()));
        Assert.Equal(2, peers[1].GetProperty("counters").GetProperty("declared_failed_while_link_up").GetInt64());
    }

    [Fact]
    public async Task Status_still_works_with_a_daemon_that_does_not_report_peer_counters()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.PeersNotReported = true;

        var text = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        var json = await CliRun.RunAsync("status", "--json", "--socket", daemon.SocketPath);

        Assert.True(text.ExitCode == ExitCodes.Success, text.ToString());
        Assert.DoesNotContain("Peers", text.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("peers").ValueKind);
        Assert.Equal("1.1c", doc.RootElement.GetProperty("view_id").GetString());
    }

    [Fact]
    public async Task The_socket_can_come_from_the_environment()
    {
        await using var daemon = FakeDaemon.Start();
        string? before = Environment.GetEnvironmentVariable(IpcProtocol.SocketPathEnvironmentVariable);
        Environment.SetEnvironmentVariable(IpcProtocol.SocketPathEnvironmentVariable, daemon.SocketPath);
        try
        {
            var run = await CliRun.RunAsync("nodes");

            Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
            Assert.StartsWith("View 1.1c: 3 nodes", run.Out, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(IpcProtocol.SocketPathEnvironmentVariable, before);
        }
    }

    [Fact]
    public async Task Status_and_nodes_exit_5_without_a_view_but_still_print()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.NoView = true;

        var status = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        var nodes = await CliRun.RunAsync("nodes", "--json", "--socket", daemon.SocketPath);

        Assert.True(status.ExitCode == ExitCodes.NoView, status.ToString());
        Assert.Contains("State:            joining", status.Out, StringComparison.Ordinal);
        Assert.Contains("has no view yet", status.Error, StringComparison.Ordinal);
        Assert.True(nodes.ExitCode == ExitCodes.NoView, nodes.ToString());
        using var doc = JsonDocument.Parse(nodes.Out);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("view_id").ValueKind);
    }

    [Fact]
    public async Task Send_and_listen_exit_5_without_a_view()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.NoView = true;

        var send = await CliRun.RunAsync("send", "chat", "hi", "--socket", daemon.SocketPath);
        var listen = await CliRun.RunAsync("listen", "chat", "--socket", daemon.SocketPath);

        Assert.True(send.ExitCode == ExitCodes.NoView, send.ToString());
        Assert.Contains("not a member of a cluster", send.Error, StringComparison.Ordinal);
        Assert.True(listen.ExitCode == ExitCodes.NoView, listen.ToString());
        Assert.Equal(0, daemon.MemberCount("chat"));
    }

    [Fact]
    public async Task A_daemon_error_exits_1_with_its_code()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("groups", "nope", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.DaemonError, run.ToString());
        Assert.Equal("muster: no group named 'nope' (NotExist)", run.Error.TrimEnd());
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task Unavailable_exits_5()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.JoinError = ErrorCode.Unavailable;

        var run = await CliRun.RunAsync("send", "chat", "hi", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.NoView, run.ToString());
        Assert.EndsWith("(Unavailable)", run.Error.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_daemon_that_does_not_answer_exits_4()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Ignore = MessageType.GetStatus;

        var run = await CliRun.RunAsync("status", "--timeout", "300ms", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Timeout, run.ToString());
        Assert.Contains("timed out", run.Error, StringComparison.Ordinal);
        Assert.Contains("300ms", run.Error, StringComparison.Ordinal);
        Assert.Contains(daemon.SocketPath, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_lists_and_shows_members()
    {
        await using var daemon = FakeDaemon.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var listener = CliRun.RunUntilAsync(["listen", "chat", "--socket", daemon.SocketPath], stop.Token);
        await WaitUntilAsync(() => daemon.MemberCount("chat") == 1);

        var list = await CliRun.RunAsync("groups", "--socket", daemon.SocketPath);
        var one = await CliRun.RunAsync("groups", "chat", "--json", "--socket", daemon.SocketPath);
        await stop.CancelAsync();
        var listened = await listener.WaitAsync(s_deadline, TestContext.Current.CancellationToken);

        Assert.True(list.ExitCode == ExitCodes.Success, list.ToString());
        Assert.Equal("GROUP  MEMBERS\nchat         1\n", list.Out.ReplaceLineEndings("\n"));
        using var doc = JsonDocument.Parse(one.Out);
        Assert.Equal((uint)Environment.ProcessId, doc.RootElement.GetProperty("members")[0].GetProperty("pid").GetUInt32());
        // Ctrl-C is how listen normally ends: exit 0, after leaving the group.
        Assert.True(listened.ExitCode == ExitCodes.Success, listened.ToString());
        Assert.Equal(0, daemon.MemberCount("chat"));
    }

    [Fact]
    public async Task Listen_prints_what_send_sends()
    {
        await using var daemon = FakeDaemon.Start();
        var text = CliRun.RunAsync("listen", "chat", "--count", "3", "--socket", daemon.SocketPath);
        var json = CliRun.RunAsync("listen", "chat", "--json", "--count", "3", "--socket", daemon.SocketPath);
        await WaitUntilAsync(() => daemon.MemberCount("chat") == 2);

        var sent = await CliRun.RunAsync("send", "chat", "héllo", "--count", "3", "--socket", daemon.SocketPath);
        var heard = await text.WaitAsync(s_deadline, TestContext.Current.CancellationToken);
        var heardJson = await json.WaitAsync(s_deadline, TestContext.Current.CancellationToken);

        Assert.True(sent.ExitCode == ExitCodes.Success, sent.ToString());
        string self = $"1/{Environment.ProcessId}";
        Assert.Equal($"sent 3 messages of 6 bytes to group 'chat' as {self}; delivered to the group in agreed order\n",
            sent.Out.ReplaceLineEndings("\n"));

        Assert.True(heard.ExitCode == ExitCodes.Success, heard.ToString());
        string[] lines = heard.Out.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.StartsWith("view 1.1c: joined ", lines[0], StringComparison.Ordinal);
        Assert.Equal([$"[{self}] héllo", $"[{self}] héllo", $"[{self}] héllo"], lines[^3..]);
        Assert.Contains(lines, l => l.StartsWith("view 1.1c: joined", StringComparison.Ordinal) && l.Contains("(join)", StringComparison.Ordinal));
        Assert.Contains("listening to group 'chat'", heard.Error, StringComparison.Ordinal);

        Assert.True(heardJson.ExitCode == ExitCodes.Success, heardJson.ToString());
        var events = heardJson.Out.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l)).ToList();
        Assert.All(events[^3..], e => Assert.Equal("héllo", e.RootElement.GetProperty("text").GetString()));
        Assert.All(events[..^3], e => Assert.Equal("membership", e.RootElement.GetProperty("type").GetString()));
        Assert.Empty(heardJson.Error);
        Assert.Equal(0, daemon.MemberCount("chat"));
    }

    [Fact]
    public async Task Send_leaves_the_group_afterwards()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("send", "solo", "x", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("sent 1 message of 1 byte to group 'solo'", run.Out, StringComparison.Ordinal);
        Assert.Equal(0, daemon.MemberCount("solo"));
    }

    [Fact]
    public async Task Leave_asks_the_daemon_to_leave()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("leave", "--timeout", "200ms", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.True(daemon.LeaveRequested.Task.IsCompleted);
        Assert.StartsWith("musterd on node 1 (alpha) is leaving cluster 'prod'", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_request_exits_130()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Ignore = MessageType.GetGroups;
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var run = await CliRun.RunUntilAsync(["groups", "--socket", daemon.SocketPath], stop.Token);

        Assert.True(run.ExitCode == ExitCodes.Interrupted, run.ToString());
        Assert.Equal("muster: interrupted", run.Error.TrimEnd());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
        }
    }
}
