using System.Diagnostics;
using Muster.Daemon.Fencing;

namespace Muster.Integration.Tests;

// The shell side of fencing: real agent processes (shell scripts speaking the fence-agents protocol) run as
// Pacemaker's fencer runs them: key=value lines on stdin, the exit status, the output's tail, a timeout that kills.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FenceAgentRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("muster-agents-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Agent(string name, string body)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task The_agent_reads_its_parameters_on_stdin_and_its_exit_status_and_output_come_back()
    {
        string seen = Path.Combine(_dir, "stdin");
        string agent = Agent("fence_test", $"cat > {seen}\necho \"fencing $(grep ^plug= {seen})\"\necho warning >&2\nexit 0");

        var outcome = await FenceAgentRunner.RunAsync(agent, ["action=reboot", "plug=node3", "ipaddr=10.0.0.9"], TimeSpan.FromSeconds(20),
            TimeProvider.System, TestContext.Current.CancellationToken);

        Assert.Equal((0, false), (outcome.ExitCode, outcome.TimedOut));
        Assert.Equal(["action=reboot", "plug=node3", "ipaddr=10.0.0.9"], await File.ReadAllLinesAsync(seen, TestContext.Current.CancellationToken));
        Assert.Contains("fencing plug=node3", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("warning", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_agent_reports_its_status()
    {
        string agent = Agent("fence_fail", "cat > /dev/null\necho 'Unable to connect/login to fencing device' >&2\nexit 1");

        var outcome = await FenceAgentRunner.RunAsync(agent, ["action=off"], TimeSpan.FromSeconds(20), TimeProvider.System,
            TestContext.Current.CancellationToken);

        Assert.Equal((1, false), (outcome.ExitCode, outcome.TimedOut));
        Assert.Contains("Unable to connect", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_past_its_timeout_is_killed_and_the_run_is_a_timeout()
    {
        string pidFile = Path.Combine(_dir, "pid");
        string agent = Agent("fence_hang", $"echo $$ > {pidFile}\nexec sleep 60");
        var clock = Stopwatch.StartNew();

        var outcome = await FenceAgentRunner.RunAsync(agent, ["action=off"], TimeSpan.FromMilliseconds(300), TimeProvider.System,
            TestContext.Current.CancellationToken);

        Assert.True(outcome.TimedOut);
        Assert.Contains("timeout", outcome.Output, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        int pid = int.Parse(await File.ReadAllTextAsync(pidFile, TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"agent process {pid} still runs");
    }

    [Fact]
    public async Task A_missing_agent_is_a_failure_that_names_it()
    {
        var outcome = await FenceAgentRunner.RunAsync("fence_no_such_agent_here", ["action=off"], TimeSpan.FromSeconds(5), TimeProvider.System,
            TestContext.Current.CancellationToken);

        Assert.Equal(-1, outcome.ExitCode);
        Assert.Contains("fence_no_such_agent_here", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("not found", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_is_bounded_to_its_tail()
    {
        string agent = Agent("fence_chatty", "cat > /dev/null\ni=0\nwhile [ $i -lt 5000 ]; do echo \"line $i\"; i=$((i+1)); done\nexit 0");

        var outcome = await FenceAgentRunner.RunAsync(agent, ["action=monitor"], TimeSpan.FromSeconds(20), TimeProvider.System,
            TestContext.Current.CancellationToken);

        Assert.Equal(0, outcome.ExitCode);
        Assert.InRange(outcome.Output.Length, 1, FenceAgentRunner.MaxOutputChars);
        Assert.EndsWith("line 4999", outcome.Output, StringComparison.Ordinal);
    }
}
