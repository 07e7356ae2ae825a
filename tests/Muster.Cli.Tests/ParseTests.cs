using System.CommandLine;

namespace Muster.Cli.Tests;

// Every command's command line: what parses, and what is a usage error (exit 2 with a message naming the problem).
public sealed class ParseTests
{
    private static ParseResult Parse(params string[] args) => Cli.BuildRootCommand(TextWriter.Null, TextWriter.Null).Parse(args);

    [Theory]
    [InlineData("status")]
    [InlineData("status", "--json")]
    [InlineData("--socket", "/tmp/x.sock", "status")]
    [InlineData("status", "--socket", "/tmp/x.sock", "--timeout", "500ms")]
    [InlineData("nodes", "--json", "-t", "2")]
    [InlineData("groups")]
    [InlineData("groups", "chat", "--json")]
    [InlineData("send", "chat", "hello world")]
    [InlineData("send", "chat", "hello", "--count", "5")]
    [InlineData("send", "chat", "")]
    [InlineData("listen", "chat")]
    [InlineData("listen", "chat", "--json", "--count", "3")]
    [InlineData("leave")]
    [InlineData("demo")]
    [InlineData("demo", "--nodes", "5")]
    [InlineData("keygen")]
    [InlineData("keygen", "--key-file", "/tmp/k", "--force", "--json")]
    [InlineData("keygen", "-k", "/tmp/k", "-f", "--config", "/etc/muster/muster.toml")]
    [InlineData("key")]
    [InlineData("key", "--json")]
    [InlineData("key", "status", "--json")]
    [InlineData("key", "load")]
    [InlineData("key", "activate", "--json", "--timeout", "2s")]
    [InlineData("key", "retire", "--socket", "/tmp/x.sock")]
    public void Valid_command_lines_parse(params string[] args)
    {
        var result = Parse(args);
        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "status", "extra" }, "extra")]
    [InlineData(new[] { "status", "--jsn" }, "--jsn")]
    [InlineData(new[] { "status", "--timeout", "soon" }, "--timeout 'soon' is not a positive duration")]
    [InlineData(new[] { "status", "--timeout", "0s" }, "--timeout '0s' is not a positive duration")]
    [InlineData(new[] { "status", "--timeout", "-1" }, "is not a positive duration")]
    [InlineData(new[] { "status", "--socket" }, "--socket")]
    [InlineData(new[] { "nodes", "everything" }, "everything")]
    [InlineData(new[] { "groups", "a", "b" }, "'b'")]
    [InlineData(new[] { "send" }, "Required argument 'GROUP' missing")]
    [InlineData(new[] { "send", "chat" }, "Required argument 'TEXT' missing")]
    [InlineData(new[] { "send", "chat", "hi", "--count", "0" }, "--count must be at least 1")]
    [InlineData(new[] { "send", "chat", "hi", "--count", "many" }, "many")]
    [InlineData(new[] { "send", "chat", "hi", "there" }, "there")]
    [InlineData(new[] { "listen" }, "Required argument 'GROUP' missing")]
    [InlineData(new[] { "listen", "chat", "--count", "-3" }, "--count must be at least 1")]
    [InlineData(new[] { "leave", "now" }, "now")]
    [InlineData(new[] { "leave", "--json" }, "--json")]
    [InlineData(new[] { "demo", "--nodes", "0" }, "--nodes must be between 1 and 9")]
    [InlineData(new[] { "demo", "--nodes", "10" }, "--nodes must be between 1 and 9")]
    [InlineData(new[] { "demo", "--nodes", "three" }, "three")]
    [InlineData(new[] { "keygen", "--key-file", "" }, "--key-file must name a file, not be empty")]
    [InlineData(new[] { "keygen", "--key-file" }, "--key-file")]
    [InlineData(new[] { "keygen", "/etc/muster/authkey" }, "/etc/muster/authkey")]
    [InlineData(new[] { "key", "lod" }, "'lod'")]
    [InlineData(new[] { "key", "load", "now" }, "'now'")]
    [InlineData(new[] { "key", "retire", "--force" }, "--force")]
    public async Task Invalid_command_lines_exit_2_with_a_message(string[] args, string expected)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.StartsWith("muster: ", run.Error, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task Invalid_group_names_are_usage_errors()
    {
        var tooLong = await CliRun.RunAsync("send", new string('g', 129), "hi");
        var nul = await CliRun.RunAsync("listen", "a\0b");
        var empty = await CliRun.RunAsync("groups", "");

        foreach (var run in new[] { tooLong, nul, empty })
        {
            Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
            Assert.Contains("invalid group name", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_have_their_values()
    {
        var root = Cli.BuildRootCommand(TextWriter.Null, TextWriter.Null);
        var result = root.Parse(["send", "chat", "hello world", "--count", "3", "--timeout", "1.5s", "--socket", "/run/x.sock"]);

        Assert.Empty(result.Errors);
        Assert.Equal("send", result.CommandResult.Command.Name);
        Assert.Equal("chat", result.GetValue<string>("GROUP"));
        Assert.Equal("hello world", result.GetValue<string>("TEXT"));
        Assert.Equal(3, result.GetValue<int?>("--count"));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), result.GetValue<TimeSpan?>("--timeout"));
        Assert.Equal("/run/x.sock", result.GetValue<string>("--socket"));
    }

    [Fact]
    public void Demo_defaults_to_three_nodes()
    {
        var result = Parse("demo");

        Assert.Equal(3, result.GetValue<int>("--nodes"));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("status", "--help")]
    [InlineData("send", "-h")]
    public async Task Help_lists_the_exit_codes(params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("Usage:", run.Out, StringComparison.Ordinal);
        Assert.Contains("Exit codes:", run.Out, StringComparison.Ordinal);
        foreach (var (code, _) in ExitCodes.All)
        {
            Assert.Contains($"  {code} ", run.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Root_help_lists_every_command()
    {
        var run = await CliRun.RunAsync("--help");

        foreach (string command in new[] { "status", "nodes", "groups", "send", "listen", "leave", "keygen", "key", "demo" })
        {
            Assert.Contains($"  {command} ", run.Out, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("3", 3_000)]
    [InlineData(" 7S ", 7_000)]
    public void Durations_parse(string text, double milliseconds)
    {
        Assert.True(Commands.Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("ten")]
    [InlineData("1e3")]
    [InlineData("5d")]
    [InlineData("-2s")]
    [InlineData("1,5s")]
    public void Bad_durations_do_not_parse(string text)
    {
        Assert.False(Commands.Duration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(10_000, "10s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(0.25, "0.25ms")]
    public void Durations_format_shortest(double milliseconds, string expected)
    {
        Assert.Equal(expected, Commands.Duration.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public async Task A_usage_error_in_a_key_step_points_at_that_steps_help()
    {
        var run = await CliRun.RunAsync("key", "activate", "extra");

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.EndsWith("Run 'muster key activate --help' for usage.", run.Error.TrimEnd(), StringComparison.Ordinal);
    }
}
