namespace Muster.Membership.Tests.Golden;

/// <summary>Every golden quorum scenario (<c>Golden/quorum/*.scenario</c>; the format is in <see cref="QuorumScenario"/>).</summary>
public class QuorumGoldenTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Golden", "quorum");

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(Folder, "*.scenario").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Scenario(string name) => QuorumScenario.Run(Path.Combine(Folder, name + ".scenario"));

    [Fact]
    public void TheSetCoversAtLeastFortyScenarios() =>
        Assert.True(Scenarios().Count >= 40, $"only {Scenarios().Count} golden quorum scenarios");
}
