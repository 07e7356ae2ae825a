using System.Diagnostics;

namespace Muster.Integration.Tests;

// The repository's unit file (contrib/systemd/musterd.service) is one systemd accepts. In the daemon collection,
// like every test here that starts a process: a process starting beside a timing-sensitive link test competes with it
// for the 2 cores.
[Collection(DaemonCollection.Name)]
public class SystemdUnitTests
{
    [Fact]
    public async Task UnitFile_PassesSystemdAnalyzeVerify()
    {
        var ct = TestContext.Current.CancellationToken;
        string? analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        if (analyze is null)
        {
            Assert.Skip("systemd-analyze is not installed here (package systemd): the unit file is not verified");
        }

        string unit = Path.Combine(RepositoryRoot(), "contrib", "systemd", "musterd.service");
        string text = await File.ReadAllTextAsync(unit, ct);
        Assert.Contains("Type=notify", text, StringComparison.Ordinal);
        Assert.Contains("WatchdogSec=", text, StringComparison.Ordinal);

        // verify checks that ExecStart's binary exists: point it at one that does, keep everything else.
        string dir = Directory.CreateTempSubdirectory("muster-unit-").FullName;
        try
        {
            string copy = Path.Combine(dir, "musterd.service");
            await File.WriteAllLinesAsync(copy, text.Split('\n').Select(l => l.StartsWith("ExecStart=", StringComparison.Ordinal)
                ? "ExecStart=/bin/true --config /etc/muster/muster.toml" : l), ct);
            var info = new ProcessStartInfo(analyze) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add("verify");
            info.ArgumentList.Add(copy);
            using var process = Process.Start(info)!;
            string output = await process.StandardOutput.ReadToEndAsync(ct) + await process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).WaitAsync(Cluster.Step, ct);
            Assert.True(process.ExitCode == 0 && output.Trim().Length == 0, $"systemd-analyze verify: exit {process.ExitCode}: {output}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string RepositoryRoot()
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
