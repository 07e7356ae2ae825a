namespace Muster.Configuration.Tests;

// The checks Muster keeps on top of Tomlyn's syntax tree: what TOML 1.1 (and so Tomlyn) accepts but muster.toml
// does not, and the Tomlyn quirks the reader works around. ErrorTests covers the wording of ordinary errors.
public class TomlynLayerTests
{
    private static ConfigException FailsInCluster(string line) =>
        TestConfig.Fails("[cluster]\n" + line, "cluster." + line.Split([' ', '='])[0], 2);

    [Fact]
    public void Parse_HexEscape_IsRejectedThoughToml11AllowsIt()
    {
        ConfigException ex = FailsInCluster("name = \"a\\x41\"\n");
        Assert.Contains("invalid escape \\x", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Tomlyn 2.10 throws ArgumentOutOfRangeException on these unless the reader works around it.
    [InlineData("name = \"abc\\", "string is not closed")]
    [InlineData("name = \"\\u12", "invalid escape \\u in a string")]
    public void Parse_TextEndingInsideAnEscape_IsAnErrorNotACrash(string line, string expected)
    {
        ConfigException ex = FailsInCluster(line);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_IntegerAboveInt64_IsAcceptedForConfigVersion()
    {
        // Tomlyn's integers are Int64; config_version is unsigned 64-bit.
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal.Replace("name = \"demo\"", "name = \"demo\"\nconfig_version = 9223372036854775808",
            StringComparison.Ordinal));
        Assert.Equal(9223372036854775808ul, c.ConfigVersion);
    }

    [Fact]
    public void Parse_ErrorAfterABigInteger_IsStillFound()
    {
        // Tomlyn's complaint about the big integer must not hide the real error two lines down.
        TestConfig.Fails("[cluster]\nconfig_version = 18446744073709551615\nname = demo\n", "cluster.name", 3);
    }

    [Fact]
    public void Parse_CarriageReturnAtTheEnd_IsAnError()
    {
        ConfigException ex = TestConfig.Fails(TestConfig.Minimal + "\n#\r", null, 7);
        Assert.Contains("carriage return without a line feed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TripleQuoteAsKey_IsAMultiLineString()
    {
        // Tomlyn reads ''' in key position as an empty key followed by a stray quote.
        ConfigException ex = TestConfig.Fails("[cluster]\n'''name''' = \"x\"\n", "cluster", 2);
        Assert.Contains("multi-line strings", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CommentInAHeader_NamesTheHash()
    {
        // Tomlyn treats the '#' as a comment and reports the end of the line; the file has a '#' there.
        ConfigException ex = TestConfig.Fails("[#cluster]\n", null, 1);
        Assert.Contains("expected a key name (letters, digits, '_' or '-'), found '#'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ErrorAtTheEndOfTheText_PointsAtTheArray()
    {
        // Tomlyn gives errors past the end of the text a zeroed span (line 1); the array starts on line 2.
        TestConfig.Fails("[cluster]\nname = [\n", "cluster.name", 2);
    }

    [Fact]
    public void Parse_DeepNesting_IsAConfigException()
    {
        // Tomlyn throws past 64 levels instead of reporting a position.
        ConfigException ex = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse("[cluster]\nname = " + new string('[', 100) + new string(']', 100) + "\n", TestConfig.Source));
        Assert.Contains("nested", ex.Message, StringComparison.Ordinal);
    }
}
