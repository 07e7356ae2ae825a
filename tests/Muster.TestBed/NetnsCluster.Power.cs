using System.Diagnostics;

namespace Muster.TestBed;

// Cgroups: with TestBedOptions.Cgroups, each node's processes live in one cgroup v2 group, so the power switch
// (PowerSwitch, the fence_testbed_cgroup agent) can kill all of them at once.
public sealed partial class NetnsCluster
{
    /// <summary>Where the cgroup v2 (unified) hierarchy is mounted on these machines.</summary>
    public const string CgroupRoot = "/sys/fs/cgroup/unified";

    /// <summary>The group under <see cref="CgroupRoot"/> that holds every test-bed node's group.</summary>
    public const string CgroupGroup = "muster-testbed";

    /// <summary>
    /// Starts <paramref name="command"/> inside node <paramref name="i"/>: in its network namespace and, with
    /// <see cref="TestBedOptions.Cgroups"/>, in its cgroup (a client process that dies with the node when it is
    /// powered off). Its output is discarded; the caller owns the process.
    /// </summary>
    public Process StartInNode(int i, IReadOnlyList<string> command)
    {
        var info = InNode(this[i], command);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command[0]} in {this[i].Name}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private ProcessStartInfo InNode(TestBedNode node, IReadOnlyList<string> command)
    {
        ProcessStartInfo info;
        if (_options.Cgroups)
        {
            // The shell moves itself into the group before it execs, so the process and all it starts are in it
            // from their first instruction (a process started first and moved later could fork in between).
            info = new ProcessStartInfo("sh");
            foreach (string arg in (string[])["-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", node.CgroupPath, "ip"])
            {
                info.ArgumentList.Add(arg);
            }
        }
        else
        {
            info = new ProcessStartInfo("ip");
        }

        info.UseShellExecute = false;
        foreach (string arg in (string[])["netns", "exec", node.Namespace, .. command])
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    private void CreateCgroups()
    {
        if (TestBedHost.CgroupsUnavailable is { } why)
        {
            throw new InvalidOperationException($"cgroups requested but unavailable: {why}");
        }

        foreach (var node in Nodes)
        {
            System.IO.Directory.CreateDirectory(node.CgroupPath);
        }
    }
}
