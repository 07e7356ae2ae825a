using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Muster.Client;
using Muster.Configuration;
using Muster.Security;

namespace Muster.Cli.Demo;

/// <summary>One daemon of a <see cref="LocalCluster"/>.</summary>
internal sealed class LocalNode
{
    public required uint Id { get; init; }
    public required string Name { get; init; }
    public required IPAddress Address { get; init; }
    public required string ConfigPath { get; init; }
    public required string SocketPath { get; init; }
    public required string LogPath { get; init; }
    /// <summary>This node's copy of the cluster key file (every node has its own, as on real machines).</summary>
    public required string KeyPath { get; init; }
    public Process? Process { get; set; }
    public bool Running => Process is { HasExited: false };

    /// <summary>Extra environment variables for the daemon (tests: a fake systemd notification socket).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>
    /// Another musterd to run for this node (its apphost, or its dll run with dotnet): the mixed-version tests run an
    /// older build beside this one. Null: the musterd next to this program.
    /// </summary>
    public string? DaemonPath { get; set; }
}

/// <summary>
/// A cluster of real musterd processes on this machine: one config per node (same cluster, own socket, state and
/// log), addresses 127.0.0.11 and up, one UDP port. Used by <c>muster demo</c> and the multi-process tests.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly bool _keepDirectory;

    private LocalCluster(string directory, int port, IReadOnlyList<LocalNode> nodes, bool keepDirectory)
    {
        Directory = directory;
        Port = port;
        Nodes = nodes;
        _keepDirectory = keepDirectory;
    }

    public string Directory { get; }
    public int Port { get; }
    public IReadOnlyList<LocalNode> Nodes { get; }

    /// <summary>Writes the configs of an <paramref name="count"/>-node cluster into a new temporary folder.</summary>
    /// <param name="count">Nodes (1 to 9).</param>
    /// <param name="timing">The timing profile.</param>
    /// <param name="keepDirectory">Leave the folder behind at dispose (for inspection).</param>
    /// <param name="encrypt">False writes <c>crypto = "none"</c> (tests of the unencrypted mode).</param>
    /// <param name="links">
    /// Links per node, 1 to 8: link <c>l</c> of node <c>i</c> is 127.0.<c>l</c>.(10 + <c>i</c>) (127.0.0.11, 127.0.1.11, ...).
    /// </param>
    /// <param name="linkOptions">The <c>[links]</c> table; null for the defaults.</param>
    public static LocalCluster Create(int count, TimingOptions timing, bool keepDirectory = false, bool encrypt = true, int links = 1,
        LinkOptions? linkOptions = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 9);
        ArgumentOutOfRangeException.ThrowIfLessThan(links, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(links, 8);
        string dir = System.IO.Directory.CreateTempSubdirectory("muster-demo-").FullName;
        int port = FreePort(count, links);
        var nodeConfigs = Enumerable.Range(1, count).Select(i => new NodeConfig(
            (uint)i, $"node{i}", [.. Enumerable.Range(0, links).Select(l => new IPEndPoint(AddressOf(i, l), port))])).ToList();
        var nodes = new List<LocalNode>();
        // One key for the cluster, copied to each node's key file: traffic is encrypted, as by default.
        string key = Path.Combine(dir, "cluster.key");
        KeyFile.Generate(key, force: false);
        for (int i = 1; i <= count; i++)
        {
            var node = new LocalNode
            {
                Id = (uint)i,
                Name = $"node{i}",
                Address = AddressOf(i),
                ConfigPath = Path.Combine(dir, $"node{i}.toml"),
                SocketPath = Path.Combine(dir, $"node{i}.sock"),
                LogPath = Path.Combine(dir, $"node{i}.log"),
                KeyPath = Path.Combine(dir, $"node{i}.key"),
            };
            File.Copy(key, node.KeyPath);
            var config = new ClusterConfig
            {
                ClusterName = "demo",
                ConfigVersion = 1,
                Port = port,
                Nodes = nodeConfigs,
                Timing = timing,
                Ipc = new IpcOptions { SocketPath = node.SocketPath },
                System = new SystemOptions { StateDirectory = Path.Combine(dir, $"state{i}"), SchedRr = false, LockMemory = false },
                Logging = new LoggingOptions { File = node.LogPath },
                Security = new SecurityOptions { KeyFile = node.KeyPath, Encrypt = encrypt },
                Links = linkOptions ?? new LinkOptions(),
            };
            File.WriteAllText(node.ConfigPath, ConfigWriter.Write(config));
            nodes.Add(node);
        }

        return new LocalCluster(dir, port, nodes, keepDirectory);
    }

    private static IPAddress AddressOf(int i, int link = 0) => new([127, 0, (byte)link, (byte)(10 + i)]);

    /// <summary>A UDP port free on every node address (a few tries from a random start).</summary>
    private static int FreePort(int count, int links)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int port = 20_000 + ((Environment.ProcessId * 7919 + attempt * 104_729 + Environment.TickCount) & 0x7FFF_FFFF) % 40_000;
            var sockets = new List<Socket>();
            try
            {
                for (int i = 1; i <= count; i++)
                {
                    for (int l = 0; l < links; l++)
                    {
                        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                        sockets.Add(s);
                        s.Bind(new IPEndPoint(AddressOf(i, l), port));
                    }
                }

                return port;
            }
            catch (SocketException)
            {
                // Taken on one of the addresses: try another port.
            }
            finally
            {
                foreach (var s in sockets)
                {
                    s.Dispose();
                }
            }
        }

        throw new InvalidOperationException("no free UDP port found on 127.0.0.11 and up");
    }

    /// <summary>Starts (or restarts) a node's daemon.</summary>
    public static void Start(LocalNode node)
    {
        var (file, prefix) = node.DaemonPath is not { } path ? DaemonCommand()
            : path.EndsWith(".dll", StringComparison.Ordinal) ? ("dotnet", new[] { path }) : (path, Array.Empty<string>());
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in prefix)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in node.Environment)
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(node.ConfigPath);
        info.ArgumentList.Add("--node");
        info.ArgumentList.Add(node.Name);
        node.Process?.Dispose();
        node.Process = Process.Start(info) ?? throw new InvalidOperationException($"could not start musterd for {node.Name}");
        // The daemon logs to its file; drain the pipes so it can never block on them.
        node.Process.OutputDataReceived += (_, _) => { };
        node.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                File.AppendAllText(node.LogPath + ".stderr", e.Data + Environment.NewLine);
            }
        };
        node.Process.BeginOutputReadLine();
        node.Process.BeginErrorReadLine();
    }

    /// <summary>Kills a node's daemon with SIGKILL (no chance to say goodbye).</summary>
    public static void Kill(LocalNode node)
    {
        if (node.Process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    /// <summary>Connects a client to a node, retrying until its socket is up or the deadline passes.</summary>
    public static async Task<MusterClient> ConnectAsync(LocalNode node, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await MusterClient.ConnectAsync(new MusterClientOptions { SocketPath = node.SocketPath, ClientName = "muster-demo" },
                    cancellationToken);
            }
            catch (MusterException) when (DateTime.UtcNow < deadline && node.Running)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    /// <summary>musterd next to this program: its apphost, or its dll run by the same dotnet host.</summary>
    public static (string File, string[] Prefix) DaemonCommand()
    {
        string baseDir = AppContext.BaseDirectory;
        string apphost = Path.Combine(baseDir, "musterd");
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        string dll = Path.Combine(baseDir, "musterd.dll");
        if (File.Exists(dll))
        {
            string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
            return (host, [dll]);
        }

        throw new FileNotFoundException($"musterd was not found next to muster in {baseDir}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            if (node.Process is { } p)
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    await p.WaitForExitAsync();
                }

                p.Dispose();
            }
        }

        if (!_keepDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a log still open by a dying process; the OS cleans the temp folder.
            }
        }
    }
}
