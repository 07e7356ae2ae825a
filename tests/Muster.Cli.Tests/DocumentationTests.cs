namespace Muster.Cli.Tests;

// docs/cli.md must keep up with the tool: every command has a section and every exit code a row.
public sealed class DocumentationTests
{
    private static readonly string s_doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "cli.md"));

    [Fact]
    public void Every_command_has_a_section()
    {
        var root = Cli.BuildRootCommand(TextWriter.Null, TextWriter.Null);

        Assert.All(root.Subcommands, command => Assert.Contains($"## `muster {command.Name}", s_doc, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_key_step_is_in_the_command_table()
    {
        var key = Cli.BuildRootCommand(TextWriter.Null, TextWriter.Null).Subcommands.Single(c => c.Name == "key");

        Assert.All(key.Subcommands, step => Assert.Contains($"| `muster key {step.Name}", s_doc, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_exit_code_has_a_row()
    {
        Assert.All(ExitCodes.All, entry => Assert.Contains($"\n| {entry.Code} | ", s_doc, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("node_id")]
    [InlineData("node_name")]
    [InlineData("cluster_name")]
    [InlineData("view_id")]
    [InlineData("protocol_version")]
    [InlineData("timeouts_ms")]
    [InlineData("counters")]
    [InlineData("peers")]
    [InlineData("declared_failed_while_link_up")]
    [InlineData("incarnation")]
    [InlineData("joined_view_id")]
    [InlineData("member_count")]
    [InlineData("pid")]
    [InlineData("sender")]
    [InlineData("hex")]
    [InlineData("encrypted")]
    [InlineData("fingerprint")]
    [InlineData("role")]
    [InlineData("source")]
    [InlineData("operation")]
    [InlineData("outcome")]
    [InlineData("key_file")]
    [InlineData("replaced")]
    [InlineData("created_directory")]
    [InlineData("refusals")]
    [InlineData("address")]
    [InlineData("direction")]
    [InlineData("reason")]
    [InlineData("text")]
    [InlineData("age_ms")]
    public void Json_fields_are_documented(string field)
    {
        // As a field table's entry: `name`, or `parent[].name`.
        Assert.True(s_doc.Contains($"| `{field}`", StringComparison.Ordinal) || s_doc.Contains($"[].{field}`", StringComparison.Ordinal), field);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Muster.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Muster.slnx not found above " + AppContext.BaseDirectory);
    }
}
