using System.Diagnostics;
using System.Globalization;
using System.Net;
using Muster.Cli.Demo;
using Muster.Client;
using Muster.Configuration;

namespace Muster.TestBed;

/// <summary>
/// N real <c>musterd</c> processes, each in its own network namespace <c>mt{run}-{i}</c>, connected through veth
/// pairs to a bridge (10.81.{run}.{i}/24), and with <see cref="TestBedOptions.Networks"/> = 2 to a second one
/// (10.82.{run}.{i}/24). Faults: <see cref="Link"/> down/up, <see cref="Blackhole"/>, <see cref="DropShare"/>,
/// <see cref="Heal"/> (nftables in each namespace).
/// </summary>
/// <remarks>
/// The run number is claimed exclusively, so parallel runs and leftovers never clash. Disposing kills the daemons
/// and deletes the namespaces, bridges, veths and files, whatever state the test left them in; leftovers of a test
/// process that died are removed by the next run (<see cref="TestBedHost.Unavailable"/>) or by
/// <c>scripts/testbed/cleanup.sh</c>. Needs root: check <see cref="TestBedHost.Unavailable"/> first.
/// </remarks>
public sealed partial class NetnsCluster : IAsyncDisposable, IDisposable
{
    private readonly TestBedOptions _options;
    private readonly List<TestBedLink> _links = [];
    private int _disposed;

    private NetnsCluster(int run, TestBedOptions options, IReadOnlyList<TestBedNode> nodes)
    {
        Run = run;
        _options = options;
        Nodes = nodes;
    }

    /// <summary>This run's number, 1 to 254: the <c>{run}</c> in names and subnets.</summary>
    public int Run { get; }

    /// <summary>The nodes, node 1 first (<c>Nodes[0]</c>).</summary>
    public IReadOnlyList<TestBedNode> Nodes { get; }

    /// <summary>The UDP port every daemon uses (each namespace has its own stack, so one port fits all).</summary>
    public static int Port => ClusterConfig.DefaultPort;

    /// <summary>The folder holding every node's files.</summary>
    public string Directory => Leftovers.RunDirectory(Run);

    /// <summary>Node <paramref name="i"/> (from 1).</summary>
    public TestBedNode this[int i] => Nodes[i - 1];

    /// <summary>Builds the namespaces, bridges and configurations; daemons start with <see cref="StartAll"/> or <see cref="Start"/>.</summary>
    /// <exception cref="InvalidOperationException">A network command failed (the message has its error); everything built is removed.</exception>
    public static NetnsCluster Create(TestBedOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Nodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Nodes, 99);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Networks, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Networks, 2);
        if (TestBedHost.Unavailable is { } why)
        {
            throw new InvalidOperationException($"the test bed cannot run here: {why}");
        }

        int run = Leftovers.Claim();
        try
        {
            System.IO.Directory.CreateDirectory(Leftovers.RunDirectory(run));
            var nodes = Enumerable.Range(1, options.Nodes).Select(i => new TestBedNode(i, $"mt{run}-{i}",
                [.. Enumerable.Range(1, options.Networks).Select(net => AddressOf(run, net, i))],
                Path.Combine(Leftovers.RunDirectory(run), $"n{i}"))).ToList();
            foreach (var node in nodes)
            {
                node.Cluster = nodes;
            }

            var cluster = new NetnsCluster(run, options, nodes);
            if (options.Cgroups)
            {
                cluster.CreateCgroups();
            }

            cluster.BuildNetwork();
            cluster.WriteConfigs();
            return cluster;
        }
        catch
        {
            Leftovers.Remove(run);
            throw;
        }
    }

    /// <summary>Node <paramref name="i"/>'s link to network <paramref name="network"/>.</summary>
    public TestBedLink Link(int i, int network = 1) =>
        _links.Single(l => l.Node.Index == i && l.Network == network);

    /// <summary>Starts every daemon.</summary>
    public void StartAll()
    {
        foreach (var node in Nodes)
        {
            Start(node.Index);
        }
    }

    /// <summary>Starts (or restarts) node <paramref name="i"/>'s daemon inside its namespace.</summary>
    public void Start(int i)
    {
        var node = this[i];
        if (node.Running)
        {
            throw new InvalidOperationException($"{node.Name} is already running");
        }

        var (file, prefix) = LocalCluster.DaemonCommand();
        // `ip netns exec` enters the namespace and execs the daemon, so the process we hold is musterd itself
        // (with cgroups, a shell first moves itself into the node's group and execs `ip`).
        var info = InNode(node, [file, .. prefix, "--config", node.ConfigPath, "--node", node.Name]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;

        // The test process's own setting must not leak into a daemon that was not asked for faults.
        info.Environment.Remove(Muster.Transport.Faults.TransportFaultOptions.EnvironmentVariable);
        if (_options.TransportFaults is { Length: > 0 } faults)
        {
            info.Environment[Muster.Transport.Faults.TransportFaultOptions.EnvironmentVariable] = faults;
        }

        foreach (var (key, value) in _options.Environment)
        {
            info.Environment[key] = value;
        }

        File.Delete(node.SocketPath);
        node.Process?.Dispose();
        node.Process = Process.Start(info) ?? throw new InvalidOperationException($"could not start musterd for {node.Name}");
        // The daemon logs to its file; drain the pipes so it can never block on them.
        node.Process.OutputDataReceived += (_, _) => { };
        node.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                File.AppendAllText(node.LogPath + ".stderr", e.Data + "\n");
            }
        };
        node.Process.BeginOutputReadLine();
        node.Process.BeginErrorReadLine();
    }

    /// <summary>SIGKILLs node <paramref name="i"/>'s daemon (no goodbye) and waits until it is gone.</summary>
    public void Kill(int i)
    {
        if (this[i].Process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    /// <summary>Sends SIGTERM to node <paramref name="i"/>'s daemon (a clean leave) and waits up to <paramref name="timeout"/> for it to exit.</summary>
    /// <returns>The exit code.</returns>
    /// <exception cref="TimeoutException">It did not exit in time.</exception>
    public async Task<int> StopAsync(int i, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var p = this[i].Process ?? throw new InvalidOperationException($"{this[i].Name} was never started");
        if (!p.HasExited)
        {
            Shell.Must("kill", "-TERM", p.Id.ToString(CultureInfo.InvariantCulture));
        }

        await p.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        return p.ExitCode;
    }

    /// <summary>Connects a client to node <paramref name="i"/>, retrying until its socket is up or the timeout passes.</summary>
    public async Task<MusterClient> ConnectAsync(int i, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var node = this[i];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await MusterClient.ConnectAsync(
                    new MusterClientOptions { SocketPath = node.SocketPath, ClientName = "muster-testbed" }, cancellationToken);
            }
            catch (MusterException) when (DateTime.UtcNow < deadline && node.Running)
            {
                // The daemon is starting and has not opened its socket yet.
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    /// <summary>The tail of every daemon's log, for a failure message.</summary>
    public string Logs(int lines = 20) => string.Join('\n', Nodes.Select(n => n.LogTail(lines)));

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Kills the daemons and removes the namespaces, bridges, veths, nftables tables and files.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var node in Nodes)
        {
            try
            {
                if (node.Process is { HasExited: false } p)
                {
                    p.Kill();
                    p.WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            node.Process?.Dispose();
            node.Process = null;
        }

        // Removing the namespaces takes their nftables tables and veth ends with them.
        Leftovers.Remove(Run);
    }

    private static IPAddress AddressOf(int run, int network, int i) => new([10, (byte)(80 + network), (byte)run, (byte)i]);

    private void BuildNetwork()
    {
        for (int net = 1; net <= _options.Networks; net++)
        {
            string bridge = $"mt{Run}br{net}";
            Shell.Must("ip", "link", "add", bridge, "type", "bridge");
            // No address on the bridge: the nodes only talk to each other, never to the host.
            Shell.Must("ip", "link", "set", bridge, "up");
        }

        foreach (var node in Nodes)
        {
            string ns = node.Namespace;
            Shell.Must("ip", "netns", "add", ns);
            Shell.Must("ip", "-n", ns, "link", "set", "lo", "up");
            for (int net = 1; net <= _options.Networks; net++)
            {
                string host = $"{ns}n{net}";
                string inside = $"eth{net - 1}";
                Shell.Must("ip", "link", "add", host, "type", "veth", "peer", "name", inside, "netns", ns);
                Shell.Must("ip", "link", "set", host, "master", $"mt{Run}br{net}", "up");
                Shell.Must("ip", "-n", ns, "addr", "add", $"{node.Addresses[net - 1]}/24", "dev", inside);
                Shell.Must("ip", "-n", ns, "link", "set", inside, "up");
                _links.Add(new TestBedLink(node, net, host));
            }

            Shell.MustWithInput("ip", FaultTable, "netns", "exec", ns, "nft", "-f", "-");
        }
    }

    private void WriteConfigs()
    {
        var nodeConfigs = Nodes.Select(n => new NodeConfig(n.Id, n.Name, [.. n.Addresses.Select(a => new IPEndPoint(a, Port))])).ToList();
        // One cluster key, copied to every node: traffic is encrypted, as by default.
        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(Muster.Security.KeyFile.GeneratedLength);
        foreach (var node in Nodes)
        {
            System.IO.Directory.CreateDirectory(node.Directory);
            File.Delete(node.KeyPath);
            File.WriteAllBytes(node.KeyPath, key);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(node.KeyPath, UnixFileMode.UserRead);
            }
            var config = new ClusterConfig
            {
                ClusterName = $"mt{Run}",
                ConfigVersion = 1,
                Port = Port,
                Nodes = nodeConfigs,
                Timing = _options.Timing,
                Ipc = new IpcOptions { SocketPath = node.SocketPath },
                // No SCHED_RR and no mlockall: several daemons share two cores with the test runner.
                System = new SystemOptions { StateDirectory = node.StateDirectory, SchedRr = false, LockMemory = false },
                Logging = new LoggingOptions { File = node.LogPath },
                Security = new SecurityOptions { KeyFile = node.KeyPath },
            };
            if (_options.Configure is { } configure)
            {
                config = configure(node, config);
            }

            string text = ConfigWriter.Write(config);
            if (_options.ExtraToml?.Invoke(node) is { Length: > 0 } extra)
            {
                text += "\n# added by the test (TestBedOptions.ExtraToml)\n" + extra + "\n";
            }

            File.WriteAllText(node.ConfigPath, text);
        }
    }
}
