namespace Muster.TestBed;

/// <summary>Whether this machine can run the test bed: Linux, root, <c>ip netns</c> and <c>nft</c>.</summary>
public static class TestBedHost
{
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    /// <summary>
    /// Null when the test bed can run here; otherwise why not, as a sentence for a skipped test. Installs iproute2
    /// and nftables through <c>scripts/testbed/install-deps.sh</c> when root and they are missing, and removes the
    /// leftovers of earlier runs whose test process is gone. Evaluated once per process.
    /// </summary>
    public static string? Unavailable => s_unavailable.Value;

    private static readonly Lazy<string?> s_cgroupsUnavailable = new(ProbeCgroups);

    /// <summary>
    /// Null when node cgroups (<see cref="TestBedOptions.Cgroups"/>) work here: the test bed itself, and the cgroup v2
    /// hierarchy at <see cref="NetnsCluster.CgroupRoot"/> with <c>cgroup.kill</c> (Linux 5.14 and later).
    /// </summary>
    public static string? CgroupsUnavailable => s_cgroupsUnavailable.Value;

    private static readonly Lazy<string?> s_fenceAgentsUnavailable = new(ProbeFenceAgents);

    /// <summary>
    /// Null when Debian's fence-agents (<c>fence_dummy</c>) are installed; installs them through
    /// <c>scripts/testbed/install-fence-agents.sh</c> when root and they are missing. Otherwise why not.
    /// </summary>
    public static string? FenceAgentsUnavailable => s_fenceAgentsUnavailable.Value;

    private static string? ProbeFenceAgents()
    {
        if (File.Exists("/usr/sbin/fence_dummy"))
        {
            return null;
        }

        string? script = FindScript("scripts/testbed/install-fence-agents.sh");
        if (script is null)
        {
            return "fence_dummy is missing and scripts/testbed/install-fence-agents.sh was not found to install it";
        }

        var install = Shell.Run("bash", script);
        return install.Ok && File.Exists("/usr/sbin/fence_dummy") ? null
            : $"fence_dummy is missing and installing Debian's fence-agents failed: {install.Error.Trim()}";
    }

    private static string? ProbeCgroups()
    {
        if (Unavailable is { } why)
        {
            return why;
        }

        if (!File.Exists(Path.Combine(NetnsCluster.CgroupRoot, "cgroup.procs")))
        {
            return $"no cgroup v2 hierarchy at {NetnsCluster.CgroupRoot} (the power switch kills a node's cgroup)";
        }

        string probe = Path.Combine(NetnsCluster.CgroupRoot, NetnsCluster.CgroupGroup, $"probe{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(probe);
            return File.Exists(Path.Combine(probe, "cgroup.kill")) ? null : "this kernel's cgroups have no cgroup.kill (Linux 5.14 or later needed)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot create a cgroup under {NetnsCluster.CgroupRoot}: {e.Message}";
        }
        finally
        {
            try
            {
                Directory.Delete(probe);
            }
            catch (IOException)
            {
                // It was never made.
            }
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the test bed needs Linux network namespaces";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "the test bed needs root (network namespaces, veth, nftables); CI runs it as root";
        }

        if (!Shell.Run("ip", "-V").Ok || !Shell.Run("nft", "--version").Ok)
        {
            string? script = FindScript("scripts/testbed/install-deps.sh");
            if (script is null)
            {
                return "ip or nft is missing and scripts/testbed/install-deps.sh was not found to install them";
            }

            var install = Shell.Run("bash", script);
            if (!install.Ok)
            {
                return $"ip or nft is missing and installing them failed: {install.Error.Trim()}";
            }
        }

        var list = Shell.Run("ip", "netns", "list");
        if (!list.Ok)
        {
            return $"`ip netns list` fails here: {list.Error.Trim()}";
        }

        // A real probe: some containers are root but may not create namespaces or load nftables.
        string probe = $"mtprobe{Environment.ProcessId}";
        try
        {
            var add = Shell.Run("ip", "netns", "add", probe);
            if (!add.Ok)
            {
                return $"cannot create a network namespace: {add.Error.Trim()}";
            }

            var nft = Shell.Run("ip", ["netns", "exec", probe, "nft", "-f", "-"],
                "table inet probe {\n chain o {\n type filter hook output priority 0;\n numgen random mod 100 < 2 drop\n }\n}\n");
            if (!nft.Ok)
            {
                return $"nftables does not work in a namespace here: {nft.Error.Trim()}";
            }
        }
        finally
        {
            Shell.Run("ip", "netns", "del", probe);
        }

        Leftovers.RemoveDeadRuns();
        return null;
    }

    /// <summary>A file of the repository, found by walking up from the test binaries.</summary>
    internal static string? FindScript(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
