using Muster.Fuzz.Targets;

namespace Muster.Fuzz.Tests;

// Every seed and every finding, through the targets AFL++ runs: no exception may escape, and the targets' own
// checks (round trips, rejected input counted, a reason for every rejection) must hold.
public class CorpusReplayTests
{
    public static TheoryData<string> PacketInputs() => FuzzFiles.Inputs("packet");

    public static TheoryData<string> IpcInputs() => FuzzFiles.Inputs("ipc");

    [Theory]
    [MemberData(nameof(PacketInputs))]
    public void PacketTarget_CorpusAndFindings_RunClean(string input) => PacketTarget.Run(FuzzFiles.Read(input));

    [Theory]
    [MemberData(nameof(IpcInputs))]
    public void IpcTarget_CorpusAndFindings_RunClean(string input) => IpcTarget.Run(FuzzFiles.Read(input));

    [Fact]
    public void Corpus_IsSmall_AndCoversBothTargets()
    {
        var files = Directory.EnumerateFiles(Path.Combine(FuzzFiles.RepositoryRoot, "fuzz", "corpus"), "*", SearchOption.AllDirectories)
            .Select(f => new FileInfo(f)).ToList();
        // One seed or two per message type and packet mode: about 210 with quorum.
        Assert.InRange(files.Count, 20, 299);
        Assert.True(files.Sum(f => f.Length) < 1024 * 1024, "the seed corpus should stay under 1 MB");
        Assert.NotEmpty(Directory.EnumerateFiles(FuzzFiles.Corpus("packet")));
        Assert.NotEmpty(Directory.EnumerateFiles(FuzzFiles.Corpus("ipc")));
    }
}
