using System.Text.Json;
using Muster.Cli.Output;
using Muster.Core;
using Muster.Client;

namespace Muster.Cli.Tests;

public sealed class LinksCommandTests
{
    // Link 0 to beta failed 3 s ago and its traffic moved to link 1.
    internal static readonly LinkReport Sample = new("passive", 1400,
    [
        new PeerLinks(new NodeId(2), "beta",
        [
            new LinkInfo(0, "10.0.0.1:5405", "10.0.0.2:5405", false, false, 0, 1500, null, TimeSpan.FromSeconds(3), 1, 1, 100, 60),
            new LinkInfo(1, "10.1.0.1:5405", "10.1.0.2:5405", true, true, 0, 1500, TimeSpan.FromMicroseconds(141),
                TimeSpan.FromMinutes(125), 1, 0, 100, 99),
        ]),
    ]);

    [Fact]
    public async Task Links_prints_one_row_per_peer_and_link()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("links", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        string[] lines = run.Out.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal("Links: passive mode, datagrams up to 1400 bytes", lines[0]);
        Assert.Contains(lines, l => l.Contains("beta", StringComparison.Ordinal) && l.Contains(" down ", StringComparison.Ordinal)
            && l.Contains(" 3s ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" up* ", StringComparison.Ordinal) && l.Contains("0.141 ms", StringComparison.Ordinal)
            && l.Contains("2h05m", StringComparison.Ordinal));
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Links_json_has_the_documented_fields()
    {
        await using var daemon = FakeDaemon.Start();

        var run = await CliRun.RunAsync("links", "--json", "--socket", daemon.SocketPath);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var doc = JsonDocument.Parse(run.Out);
        var links = doc.RootElement.GetProperty("peers")[0].GetProperty("links");
        Assert.Equal("down", links[0].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, links[0].GetProperty("rtt_ms").ValueKind);
        Assert.Equal(0.141, links[1].GetProperty("rtt_ms").GetDouble(), 6);
        Assert.True(links[1].GetProperty("in_use").GetBoolean());
        Assert.Equal(1, links[0].GetProperty("down_transitions").GetInt64());

        string doc2 = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "../../../../../docs/cli.md"));
        foreach (var field in links[0].EnumerateObject())
        {
            Assert.Contains($"`peers[].links[].{field.Name}`", doc2, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0.85, "850ms")]
    [InlineData(12.5, "12s")]
    [InlineData(200, "3m20s")]
    [InlineData(7500, "2h05m")]
    [InlineData(-1, "0ms")]
    public void Ago_is_short(double seconds, string expected) =>
        Assert.Equal(expected, LinksOutput.Ago(TimeSpan.FromSeconds(seconds)));
}
