namespace Muster.Configuration.Tests;

// Shared helpers: parse text and check that an error names the key and the line.
internal static class TestConfig
{
    public const string Source = "muster.toml";

    // Lines 1-6: a minimal valid two-node file. Tests append tables after it (line 7 onwards).
    public const string Minimal =
        """
        [cluster]
        name = "demo"
        [[node]]
        id = 1
        name = "node1"
        addresses = ["10.0.0.1"]
        """;

    public static ClusterConfig Parse(string text) => ConfigLoader.Parse(text, Source);

    // Asserts the parse fails at this key and line, with both in the message, and returns the exception.
    public static ConfigException Fails(string text, string? key, int line)
    {
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(text, Source));
        Assert.Equal(Source, ex.SourceName);
        Assert.Equal(key, ex.Key);
        Assert.Equal(line, ex.Line);
        string prefix = line > 0 ? $"{Source}:{line}: " : $"{Source}: ";
        Assert.StartsWith(key is null ? prefix : prefix + key + ": ", ex.Message, StringComparison.Ordinal);
        return ex;
    }
}
