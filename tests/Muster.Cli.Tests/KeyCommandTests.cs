using System.Text.Json;

namespace Muster.Cli.Tests;

// muster key [status|load|activate|retire] and the encryption part of muster status, against the scripted daemon.
public sealed class KeyCommandTests
{
    [Fact]
    public async Task Key_status_prints_encryption_and_the_keys()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("key", "status", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(
            "Encryption: on (AES-256-GCM)\n\nFINGERPRINT  ROLE     SOURCE\naaaaaaaa     current  /etc/muster/authkey\n",
            run.Out.ReplaceLineEndings("\n"));
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Key_alone_is_key_status()
    {
        await using var daemon = FakeDaemon.Start();

        var alone = await CliRun.RunAsync("key", "--json", "--socket", daemon.SocketPath);
        var status = await CliRun.RunAsync("key", "status", "--json", "--socket", daemon.SocketPath);

        Assert.True(alone.ExitCode == ExitCodes.Success, alone.ToString());
        Assert.Equal(status.Out, alone.Out);
        using var doc = JsonDocument.Parse(alone.Out);
        Assert.True(doc.RootElement.GetProperty("encrypted").GetBoolean());
        Assert.Equal("aaaaaaaa", doc.RootElement.GetProperty("keys")[0].GetProperty("fingerprint").GetString());
    }

    [Fact]
    public async Task A_rotation_runs_load_activate_retire()
    {
        await using var daemon = FakeDaemon.Start();

        var load = await CliRun.RunAsync("key", "load", "--socket", daemon.SocketPath);
        var activate = await CliRun.RunAsync("key", "activate", "--json", "--socket", daemon.SocketPath);
        var retire = await CliRun.RunAsync("key", "retire", "--socket", daemon.SocketPath);

        Assert.True(load.ExitCode == ExitCodes.Success, load.ToString());
        Assert.Equal(
            "loaded key bbbbbbbb\n\nEncryption: on (AES-256-GCM)\n\nFINGERPRINT  ROLE     SOURCE\n"
            + "aaaaaaaa     current  /etc/muster/authkey\nbbbbbbbb     staged   /etc/muster/authkey\n",
            load.Out.ReplaceLineEndings("\n"));

        Assert.True(activate.ExitCode == ExitCodes.Success, activate.ToString());
        using var doc = JsonDocument.Parse(activate.Out);
        Assert.Equal("activate", doc.RootElement.GetProperty("operation").GetString());
        Assert.Equal("now sealing with key bbbbbbbb", doc.RootElement.GetProperty("outcome").GetString());
        var keys = doc.RootElement.GetProperty("keys");
        Assert.Equal(("bbbbbbbb", "current"), (keys[0].GetProperty("fingerprint").GetString(), keys[0].GetProperty("role").GetString()));
        Assert.Equal(("aaaaaaaa", "previous"), (keys[1].GetProperty("fingerprint").GetString(), keys[1].GetProperty("role").GetString()));

        Assert.True(retire.ExitCode == ExitCodes.Success, retire.ToString());
        Assert.StartsWith("retired key aaaaaaaa\n", retire.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("aaaaaaaa     ", retire.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("activate", "muster: no new key is loaded: copy the new key file to every node and run `muster key load` (or send SIGHUP) first (InvalidParameter)")]
    [InlineData("retire", "muster: there is no previous key to retire (run `muster key activate` first) (InvalidParameter)")]
    public async Task A_refused_step_exits_1_with_the_daemons_reason(string step, string expected)
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("key", step, "--json", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.DaemonError, run.ToString());
        Assert.Equal(expected, run.Error.TrimEnd());
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task With_encryption_off_status_says_so_and_steps_are_refused()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.Encrypted = false;

        var status = await CliRun.RunAsync("key", "--socket", daemon.SocketPath);
        var load = await CliRun.RunAsync("key", "load", "--socket", daemon.SocketPath);

        Assert.True(status.ExitCode == ExitCodes.Success, status.ToString());
        Assert.Equal("Encryption: off (security.crypto = \"none\"): cluster traffic is neither authenticated nor encrypted\n",
            status.Out.ReplaceLineEndings("\n"));
        Assert.True(load.ExitCode == ExitCodes.DaemonError, load.ToString());
        Assert.Contains("encryption is off on this node", load.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_encryption_and_keys()
    {
        await using var daemon = FakeDaemon.Start();

        var text = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        var json = await CliRun.RunAsync("status", "--json", "--socket", daemon.SocketPath);

        Assert.True(text.ExitCode == ExitCodes.Success, text.ToString());
        string output = text.Out.ReplaceLineEndings("\n");
        Assert.Contains("Encryption:       on (AES-256-GCM)\n", output, StringComparison.Ordinal);
        Assert.EndsWith("Keys (1 key)\n------------\nFINGERPRINT  ROLE     SOURCE\naaaaaaaa     current  /etc/muster/authkey\n",
            output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.True(doc.RootElement.GetProperty("encrypted").GetBoolean());
        Assert.Equal("current", doc.RootElement.GetProperty("keys")[0].GetProperty("role").GetString());
        // The fields that were there before keep their place and values.
        Assert.Equal("1.1c", doc.RootElement.GetProperty("view_id").GetString());
    }

    [Fact]
    public async Task Status_still_works_with_a_daemon_that_does_not_report_keys()
    {
        await using var daemon = FakeDaemon.Start();
        daemon.KeysNotSupported = true;

        var text = await CliRun.RunAsync("status", "--socket", daemon.SocketPath);
        var json = await CliRun.RunAsync("status", "--json", "--socket", daemon.SocketPath);
        var key = await CliRun.RunAsync("key", "--socket", daemon.SocketPath);

        Assert.True(text.ExitCode == ExitCodes.Success, text.ToString());
        Assert.Contains("Encryption:       unknown", text.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("encrypted").ValueKind);
        // `muster key` has nothing else to show, so there the missing support is an error.
        Assert.True(key.ExitCode == ExitCodes.DaemonError, key.ToString());
        Assert.EndsWith("(NotSupported)", key.Error.TrimEnd(), StringComparison.Ordinal);
    }
}
