using System.Globalization;
using System.Text.RegularExpressions;

namespace Muster.TestBed;

/// <summary>
/// Names, ownership and removal of test-bed runs. A run <c>k</c> (1 to 254) owns the namespaces <c>mt{k}-{i}</c>,
/// the bridges <c>mt{k}br1</c>/<c>mt{k}br2</c>, the host-side veths <c>mt{k}-{i}n1</c>/<c>n2</c>, the folder
/// <c>/tmp/muster-testbed/mt{k}</c> and the owner file <c>/tmp/muster-testbed/mt{k}.owner</c> (the test process's pid).
/// </summary>
/// <remarks>scripts/testbed/cleanup.sh does the same from the shell; keep the names in step with it.</remarks>
internal static partial class Leftovers
{
    public const string Root = "/tmp/muster-testbed";

    public static string OwnerFile(int run) => Path.Combine(Root, $"mt{run}.owner");

    public static string RunDirectory(int run) => Path.Combine(Root, $"mt{run}");

    /// <summary>Claims a free run number: its owner file is created exclusively, so two processes never share one.</summary>
    public static int Claim()
    {
        Directory.CreateDirectory(Root);
        var used = UsedRuns();
        int start = (Environment.ProcessId + Environment.TickCount) & 0x7FFF_FFFF;
        for (int attempt = 0; attempt < 254; attempt++)
        {
            int run = 1 + ((start + attempt) % 254);
            if (used.Contains(run))
            {
                continue;
            }

            try
            {
                using var owner = new FileStream(OwnerFile(run), FileMode.CreateNew, FileAccess.Write);
                owner.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
                return run;
            }
            catch (IOException)
            {
                // Another process claimed it between our listing and now.
            }
        }

        throw new InvalidOperationException($"no free test-bed run number (1..254); run scripts/testbed/cleanup.sh --all");
    }

    /// <summary>Removes every run whose owner process is gone (or that has no owner file).</summary>
    public static void RemoveDeadRuns()
    {
        foreach (int run in UsedRuns().Where(r => !OwnerAlive(r)))
        {
            Remove(run);
        }
    }

    /// <summary>Kills what runs in the run's namespaces and deletes them, its links, folder and owner file. Best effort.</summary>
    public static List<string> Remove(int run)
    {
        var problems = new List<string>();
        foreach (string ns in Namespaces().Where(n => RunOf(n) == run))
        {
            // Deleting a namespace does not kill its processes: a daemon would live on, unreachable.
            foreach (string pid in Shell.Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Shell.Run("kill", "-KILL", pid.Trim());
            }

            var del = Shell.Run("ip", "netns", "del", ns);
            if (!del.Ok)
            {
                problems.Add($"ip netns del {ns}: {del.Error.Trim()}");
            }
        }

        RemoveCgroups(run, problems);
        foreach (string link in Links().Where(l => RunOf(l) == run))
        {
            // The veth may already be gone with its namespace (deletion is asynchronous): not a problem.
            Shell.Run("ip", "link", "del", link);
        }

        try
        {
            if (Directory.Exists(RunDirectory(run)) && Environment.GetEnvironmentVariable("MUSTER_TESTBED_KEEP") != "1")
            {
                Directory.Delete(RunDirectory(run), recursive: true);
            }

            File.Delete(OwnerFile(run));
        }
        catch (IOException e)
        {
            problems.Add($"{RunDirectory(run)}: {e.Message}");
        }

        return problems;
    }

    // A node's group can only be removed once empty: kill what is left in it, wait for it to empty, remove it.
    private static void RemoveCgroups(int run, List<string> problems)
    {
        string parent = Path.Combine(NetnsCluster.CgroupRoot, NetnsCluster.CgroupGroup);
        if (!Directory.Exists(parent))
        {
            return;
        }

        foreach (string group in Directory.EnumerateDirectories(parent).Where(g => RunOf(Path.GetFileName(g)) == run))
        {
            try
            {
                File.WriteAllText(Path.Combine(group, "cgroup.kill"), "1");
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
                while (File.ReadLines(Path.Combine(group, "cgroup.events")).Contains("populated 1") && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(20);
                }

                Directory.Delete(group);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{group}: {e.Message}");
            }
        }
    }

    private static bool OwnerAlive(int run)
    {
        try
        {
            string text = File.ReadAllText(OwnerFile(run)).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && Directory.Exists($"/proc/{pid}");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static HashSet<int> UsedRuns()
    {
        var runs = new HashSet<int>();
        foreach (string name in Namespaces().Concat(Links()))
        {
            if (RunOf(name) is int run)
            {
                runs.Add(run);
            }
        }

        if (Directory.Exists(Root))
        {
            foreach (string file in Directory.EnumerateFiles(Root, "mt*.owner"))
            {
                if (RunOf(Path.GetFileNameWithoutExtension(file) + "-0") is int run)
                {
                    runs.Add(run);
                }
            }
        }

        return runs;
    }

    private static IEnumerable<string> Namespaces() =>
        Shell.Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]);

    private static IEnumerable<string> Links() =>
        Shell.Run("ip", "-o", "link", "show").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 3) is { Length: 3 } parts ? parts[1].Trim().Split('@')[0] : "");

    // mt{k}-{i} (namespace), mt{k}-{i}n1 / n2 (host veth), mt{k}br1 / br2 (bridge); nothing else matches.
    private static int? RunOf(string name) =>
        OurName().Match(name) is { Success: true } m && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out int run)
            ? run : null;

    [GeneratedRegex(@"^mt([0-9]{1,3})(-[0-9]+(n[12])?|br[12])$")]
    private static partial Regex OurName();
}
