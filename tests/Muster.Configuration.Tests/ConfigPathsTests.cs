namespace Muster.Configuration.Tests;

public class ConfigPathsTests
{
    [Fact]
    public void Resolve_CommandLineGiven_BeatsEnvironment()
    {
        Assert.Equal("/cli.toml", ConfigPaths.Resolve("/cli.toml", "/env.toml"));
    }

    [Fact]
    public void Resolve_OnlyEnvironment_UsesEnvironment()
    {
        Assert.Equal("/env.toml", ConfigPaths.Resolve(null, "/env.toml"));
        Assert.Equal("/env.toml", ConfigPaths.Resolve("", "/env.toml"));
    }

    [Fact]
    public void Resolve_NothingGiven_UsesDefault()
    {
        Assert.Equal("/etc/muster/muster.toml", ConfigPaths.Resolve(null, null));
        Assert.Equal(ConfigPaths.DefaultPath, ConfigPaths.Resolve(" ", ""));
    }

    [Fact]
    public void Resolve_SingleArgument_ReadsMusterConfigVariable()
    {
        // Only checks the command-line branch: changing the process environment would race with other tests.
        Assert.Equal("/cli.toml", ConfigPaths.Resolve("/cli.toml"));
        Assert.Equal("MUSTER_CONFIG", ConfigPaths.EnvironmentVariable);
    }
}
