using System.Diagnostics;
using System.Net;

namespace Muster.TestBed;

/// <summary>One node of a <see cref="NetnsCluster"/>: its namespace, addresses, files and daemon process.</summary>
public sealed class TestBedNode
{
    internal TestBedNode(int index, string ns, IReadOnlyList<IPAddress> addresses, string directory)
    {
        Index = index;
        Namespace = ns;
        Addresses = addresses;
        Directory = directory;
    }

    /// <summary>The node's number, from 1; also its node id.</summary>
    public int Index { get; }

    /// <summary>The node id in the configuration (the same as <see cref="Index"/>).</summary>
    public uint Id => (uint)Index;

    /// <summary>The node name in the configuration: <c>n{i}</c>.</summary>
    public string Name => $"n{Index}";

    /// <summary>The network namespace the daemon runs in: <c>mt{run}-{i}</c>.</summary>
    public string Namespace { get; }

    /// <summary>The node's address on each network, network 1 first.</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>The node's folder: configuration, state, log and IPC socket.</summary>
    public string Directory { get; }

    /// <summary>The configuration file the daemon reads.</summary>
    public string ConfigPath => Path.Combine(Directory, "muster.toml");

    /// <summary>The IPC socket; on the shared file system, so the test process connects without entering the namespace.</summary>
    public string SocketPath => Path.Combine(Directory, "musterd.sock");

    /// <summary>The daemon's log file.</summary>
    public string LogPath => Path.Combine(Directory, "musterd.log");

    /// <summary>The daemon's state folder (its incarnation file).</summary>
    public string StateDirectory => Path.Combine(Directory, "state");

    /// <summary>This node's copy of the cluster key file (the same bytes on every node, as on real machines).</summary>
    public string KeyPath => Path.Combine(Directory, "authkey");

    /// <summary>The node's cgroup, relative to <see cref="NetnsCluster.CgroupRoot"/>: <c>muster-testbed/mt{run}-{i}</c> (the plug of the power switch).</summary>
    public string CgroupName => $"{NetnsCluster.CgroupGroup}/{Namespace}";

    /// <summary>The node's cgroup folder, as the test process sees it.</summary>
    public string CgroupPath => Path.Combine(NetnsCluster.CgroupRoot, CgroupName);

    /// <summary>True while a process of the node (its daemon or one started in it) is alive in its cgroup.</summary>
    public bool Powered => File.Exists(Path.Combine(CgroupPath, "cgroup.events"))
        && File.ReadLines(Path.Combine(CgroupPath, "cgroup.events")).Contains("populated 1");

    /// <summary>Every node of the cluster, this one included, node 1 first (for configuration that names the others).</summary>
    public IReadOnlyList<TestBedNode> Cluster { get; internal set; } = [];

    /// <summary>The running daemon, if started.</summary>
    public Process? Process { get; internal set; }

    /// <summary>True while the daemon runs.</summary>
    public bool Running => Process is { HasExited: false };

    /// <summary>The last lines of the daemon's log (and its stderr), for failure messages.</summary>
    public string LogTail(int lines = 20)
    {
        string Tail(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : "";
        string stderr = Tail(LogPath + ".stderr");
        return $"--- {Name} ({Namespace})\n{Tail(LogPath)}" + (stderr.Length > 0 ? $"\n[stderr]\n{stderr}" : "");
    }
}
