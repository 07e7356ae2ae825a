namespace Muster.Cli.Tests;

// Exit 3 when musterd cannot be reached, with the socket path in the message and a hint to check the daemon.
public sealed class ConnectTests
{
    [Theory]
    [InlineData("status")]
    [InlineData("status", "--json")]
    [InlineData("nodes")]
    [InlineData("groups")]
    [InlineData("groups", "chat")]
    [InlineData("send", "chat", "hi")]
    [InlineData("listen", "chat")]
    [InlineData("leave")]
    public async Task A_missing_socket_exits_3_naming_the_path(params string[] args)
    {
        string path = Path.Combine(Path.GetTempPath(), $"muster-missing-{Guid.NewGuid():N}.sock");

        var run = await CliRun.RunAsync([.. args, "--socket", path]);

        Assert.True(run.ExitCode == ExitCodes.CannotConnect, run.ToString());
        Assert.StartsWith($"muster: cannot connect to musterd at {path}: no such socket.", run.Error, StringComparison.Ordinal);
        Assert.Contains("Check that musterd is running", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_exits_3()
    {
        var directory = Directory.CreateTempSubdirectory("muster-cli-");
        try
        {
            // A plain file where the socket should be: connecting is refused.
            string path = Path.Combine(directory.FullName, "musterd.sock");
            await File.WriteAllTextAsync(path, string.Empty, TestContext.Current.CancellationToken);

            var run = await CliRun.RunAsync("status", "--socket", path);

            Assert.True(run.ExitCode == ExitCodes.CannotConnect, run.ToString());
            Assert.Contains(path, run.Error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_socket_path_too_long_for_sockaddr_un_exits_3()
    {
        string path = "/tmp/" + new string('x', 200) + ".sock";

        var run = await CliRun.RunAsync("status", "--socket", path);

        Assert.True(run.ExitCode == ExitCodes.CannotConnect, run.ToString());
        Assert.Contains(path, run.Error, StringComparison.Ordinal);
    }
}
