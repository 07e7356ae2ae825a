namespace Muster.Configuration.Tests;

public class TimingProfileTests
{
    [Fact]
    public void ForProfile_Lan_HasDocumentedValues()
    {
        TimingOptions t = TimingOptions.ForProfile("lan");
        Assert.Equal("lan", t.ProfileName);
        Assert.Equal(TimeSpan.FromMilliseconds(100), t.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(600), t.FailureTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(400), t.ConsensusTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(300), t.JoinTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(20), t.RetransmitInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(200), t.MergeInterval);
        Assert.Equal(new TimingOptions(), t); // the property defaults are the lan profile
    }

    [Fact]
    public void ForProfile_Test_HasDocumentedValues()
    {
        TimingOptions t = TimingOptions.ForProfile("test");
        Assert.Equal("test", t.ProfileName);
        Assert.Equal(TimeSpan.FromMilliseconds(100), t.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), t.FailureTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), t.ConsensusTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), t.JoinTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(30), t.RetransmitInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(300), t.MergeInterval);
    }

    [Fact]
    public void ForProfile_Unknown_Throws()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => TimingOptions.ForProfile("wan"));
        Assert.Contains("\"lan\" or \"test\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lan")]
    [InlineData("test")]
    public void Parse_ProfileOnly_UsesProfileValues(string profile)
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal + $"\n[timing]\nprofile = \"{profile}\"\n");
        Assert.Equal(TimingOptions.ForProfile(profile), c.Timing);
    }

    [Fact]
    public void Parse_ProfileWithOverride_KeepsOtherProfileValues()
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal + "\n[timing]\nprofile = \"test\"\nfailure_timeout = \"5s\"\n");
        Assert.Equal(TimingOptions.Test with { FailureTimeout = TimeSpan.FromSeconds(5) }, c.Timing);
    }

    [Fact]
    public void Parse_OverrideWithoutProfile_StartsFromLan()
    {
        ClusterConfig c = TestConfig.Parse(TestConfig.Minimal + "\n[timing]\nmerge_interval = \"1.5s\"\n");
        Assert.Equal(TimingOptions.Lan with { MergeInterval = TimeSpan.FromMilliseconds(1500) }, c.Timing);
    }

    [Theory]
    [InlineData("250us", 2_500)]
    [InlineData("250µs", 2_500)]
    [InlineData("100ns", 1)]
    [InlineData("1.5s", 15_000_000)]
    [InlineData("2s", 20_000_000)]
    [InlineData("100ms", 1_000_000)]
    [InlineData("0.25ms", 2_500)]
    [InlineData("1m", 600_000_000)]
    [InlineData("1min", 600_000_000)]
    [InlineData("1h", 36_000_000_000)]
    public void TryParseDuration_ValidText_GivesTicks(string text, long ticks)
    {
        Assert.True(ValueSyntax.TryParseDuration(text, out TimeSpan value, out _));
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData(20_000_000, "2s")]
    [InlineData(15_000_000, "1500ms")]
    [InlineData(2_500, "250us")]
    [InlineData(1, "100ns")]
    [InlineData(0, "0ms")]
    public void FormatDuration_RoundTrips(long ticks, string text)
    {
        Assert.Equal(text, ValueSyntax.FormatDuration(TimeSpan.FromTicks(ticks)));
        Assert.True(ValueSyntax.TryParseDuration(text, out TimeSpan back, out _));
        Assert.Equal(ticks, back.Ticks);
    }
}
