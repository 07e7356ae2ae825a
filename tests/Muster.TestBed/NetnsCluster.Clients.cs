using System.Diagnostics;

namespace Muster.TestBed;

// Client processes inside a node: the `muster` CLI run in the node's namespace (and cgroup, with
// TestBedOptions.Cgroups), so it dies with the node when the power switch kills it.
public sealed partial class NetnsCluster
{
    /// <summary>
    /// Starts <c>muster ARGS --socket (node i's socket)</c> inside node <paramref name="i"/> and waits, up to
    /// <paramref name="timeout"/>, until it is in the node's cgroup (with <see cref="TestBedOptions.Cgroups"/>).
    /// </summary>
    public async Task<Process> StartClientAsync(int i, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string apphost = Path.Combine(AppContext.BaseDirectory, "muster");
        string[] cli = File.Exists(apphost) ? [apphost] : ["dotnet", Path.Combine(AppContext.BaseDirectory, "muster.dll")];
        var process = StartInNode(i, [.. cli, .. args, "--socket", this[i].SocketPath]);
        if (_options.Cgroups)
        {
            string procs = Path.Combine(this[i].CgroupPath, "cgroup.procs");
            string pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var deadline = DateTime.UtcNow + timeout;
            while (!File.ReadLines(procs).Contains(pid))
            {
                if (DateTime.UtcNow > deadline || process.HasExited)
                {
                    throw new TimeoutException($"muster {string.Join(' ', args)} did not appear in {this[i].CgroupName}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }
        }

        return process;
    }
}
