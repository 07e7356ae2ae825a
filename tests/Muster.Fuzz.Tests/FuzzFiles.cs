namespace Muster.Fuzz.Tests;

// Finds the fuzz inputs in the source tree: the tests run from bin/, the files live beside Muster.slnx.
internal static class FuzzFiles
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Corpus(string target) => Path.Combine(RepositoryRoot, "fuzz", "corpus", target);

    public static string Findings(string target) => Path.Combine(RepositoryRoot, "fuzz", "findings", target);

    /// <summary>Every corpus and findings file of a target, as paths relative to fuzz/ (readable test names).</summary>
    public static TheoryData<string> Inputs(string target)
    {
        var data = new TheoryData<string>();
        foreach (string folder in new[] { Corpus(target), Findings(target) })
        {
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Path.Combine(RepositoryRoot, "fuzz"), file));
            }
        }

        return data;
    }

    public static byte[] Read(string relativePath) => File.ReadAllBytes(Path.Combine(RepositoryRoot, "fuzz", relativePath));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Muster.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Muster.slnx above {AppContext.BaseDirectory}");
    }
}
