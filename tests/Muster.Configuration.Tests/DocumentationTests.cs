namespace Muster.Configuration.Tests;

// Keeps docs/configuration.md honest: its example must load.
public class DocumentationTests
{
    [Fact]
    public void Parse_ThreeNodeExampleFromDocs_IsValid()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "docs", "configuration.md")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        Assert.NotNull(dir);
        string doc = File.ReadAllText(Path.Combine(dir, "docs", "configuration.md"));
        int start = doc.IndexOf("```toml\n", StringComparison.Ordinal) + "```toml\n".Length;
        string example = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];

        // The example's link-local scope names eth1, which this machine may not have; lo always exists.
        ClusterConfig c = ConfigLoader.Parse(example.Replace("%eth1", "%lo", StringComparison.Ordinal), "configuration.md");

        Assert.Equal(["store1", "store2", "store3"], c.Nodes.Select(n => n.Name));
        Assert.Equal(TimeSpan.FromSeconds(1), c.Timing.FailureTimeout);
        Assert.Equal("store2", c.FindLocalNode(null, [System.Net.IPAddress.Parse("10.1.0.12")]).Name);
        Assert.Equal(c, ConfigLoader.Parse(ConfigWriter.Write(c), "written.toml"));
    }
}
