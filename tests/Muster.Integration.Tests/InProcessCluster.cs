using System.Net;
using Muster.Client;
using Muster.Configuration;
using Muster.Core;
using Muster.Daemon;
using Muster.Diagnostics;
using Muster.Transport.InMemory;

namespace Muster.Integration.Tests;

/// <summary>One <see cref="ClusterDaemon"/> of an <see cref="InProcessCluster"/>, running its loop on a thread of its own.</summary>
internal sealed class InProcessNode
{
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public required NodeConfig Config { get; init; }
    public required string SocketPath { get; init; }
    public required string LogPath { get; init; }
    public NodeId Id => Config.NodeId;
    public ClusterDaemon? Daemon { get; set; }
    public int? ExitCode { get; private set; }
    public Exception? Failure { get; private set; }
    public Task Exited => _exited.Task;
    public bool Running => Daemon is not null && !_exited.Task.IsCompleted;

    public void Finished(int? code, Exception? failure)
    {
        ExitCode = code;
        Failure = failure;
        _exited.TrySetResult();
    }
}

/// <summary>
/// Several daemons in this test process, connected by an <see cref="InMemoryNetwork"/> instead of UDP: each is a
/// real <see cref="ClusterDaemon"/> (loop, IPC server on its own Unix socket, flow control), so clients talk to it
/// through <see cref="MusterClient"/> as to musterd, while the test controls the network.
/// </summary>
internal sealed class InProcessCluster : IAsyncDisposable
{
    /// <summary>Deadline for one step (a view forming, a message arriving): generous, since CI machines are busy.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly List<IDisposable> _owned = [];

    private InProcessCluster(string directory, InMemoryNetwork network, IReadOnlyList<InProcessNode> nodes)
    {
        _directory = directory;
        Network = network;
        Nodes = nodes;
    }

    public InMemoryNetwork Network { get; }
    public IReadOnlyList<InProcessNode> Nodes { get; }

    /// <summary>Starts <paramref name="count"/> daemons (node ids 1 to count) on one in-memory network.</summary>
    public static InProcessCluster Start(int count, TimingOptions? timing = null, LimitOptions? limits = null)
    {
        string dir = Directory.CreateTempSubdirectory("muster-inproc-").FullName;
        // The addresses only name the links: nothing is bound, the in-memory network carries the datagrams.
        var nodeConfigs = Enumerable.Range(1, count)
            .Select(i => new NodeConfig((uint)i, $"node{i}", [new IPEndPoint(new IPAddress([127, 0, 0, (byte)(10 + i)]), ClusterConfig.DefaultPort)]))
            .ToList();
        var network = new InMemoryNetwork();
        var nodes = nodeConfigs.Select(n => new InProcessNode
        {
            Config = n,
            SocketPath = Path.Combine(dir, $"{n.Name}.sock"),
            LogPath = Path.Combine(dir, $"{n.Name}.log"),
        }).ToList();
        var cluster = new InProcessCluster(dir, network, nodes);
        foreach (var node in nodes)
        {
            var config = new ClusterConfig
            {
                ClusterName = "inproc",
                ConfigVersion = 1,
                Nodes = nodeConfigs,
                Timing = timing ?? TimingOptions.Test,
                Limits = limits ?? new LimitOptions(),
                Ipc = new IpcOptions { SocketPath = node.SocketPath },
                System = new SystemOptions { StateDirectory = Path.Combine(dir, $"state-{node.Config.Name}"), SchedRr = false, LockMemory = false },
                Security = new SecurityOptions { Encrypt = false },
            };
            cluster.StartNode(node, config);
        }

        return cluster;
    }

    private void StartNode(InProcessNode node, ClusterConfig config)
    {
        var file = new LogFileProvider(node.LogPath);
        var loggers = DaemonLogging.Create(Core.Diagnostics.LogLevel.Debug, ConsoleLogFormat.Text, file);
        _owned.Add(loggers);
        _owned.Add(file);
        var peers = config.Nodes.Where(n => n.Id != node.Config.Id).Select(n => n.NodeId).ToList();
        ulong incarnation = 0;
        ulong mark = 0;
        // The same seams musterd's Program.cs fills, with the in-memory network in place of UDP.
        var daemon = new ClusterDaemon(config, node.Config, loggers, TimeProvider.System,
            _ => Network.Attach(node.Id, node.Config.Endpoints, peers),
            () => ++incarnation, mark, m => mark = m, keys: null);
        node.Daemon = daemon;
        var thread = new Thread(() =>
        {
            try
            {
                node.Finished(daemon.Run(), null);
            }
            catch (Exception e)
            {
                node.Finished(null, e);
            }
        })
        { IsBackground = true, Name = $"musterd-{node.Config.Name}" };
        thread.Start();
    }

    /// <summary>Connects a client to a node, retrying until its IPC socket is up or the step deadline passes.</summary>
    public async Task<MusterClient> ConnectAsync(int index, CancellationToken ct, string name = "inproc-test")
    {
        var node = Nodes[index];
        var deadline = DateTime.UtcNow + Step;
        while (true)
        {
            try
            {
                return await MusterClient.ConnectAsync(new MusterClientOptions { SocketPath = node.SocketPath, ClientName = name }, ct);
            }
            catch (MusterException) when (DateTime.UtcNow < deadline && node.Running)
            {
                // The daemon's thread binds the socket moments after the start; the loop above ends at the deadline.
                await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            }
            catch (MusterException e)
            {
                throw new InvalidOperationException($"cannot connect to {node.Config.Name} (running: {node.Running}, " +
                    $"failure: {node.Failure?.Message}){Environment.NewLine}{Logs()}", e);
            }
        }
    }

    /// <summary>The last lines of every node's log, for failure messages.</summary>
    public string Logs() => string.Join(Environment.NewLine, Nodes.Select(n =>
    {
        string text = "";
        try
        {
            text = File.Exists(n.LogPath) ? string.Join(Environment.NewLine, File.ReadLines(n.LogPath).TakeLast(20)) : "";
        }
        catch (IOException)
        {
            // The writer holds the file; the failure message goes out without it.
        }

        return $"--- {n.Config.Name} (failure: {n.Failure?.Message ?? "none"}){Environment.NewLine}{text}";
    }));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Where(n => n.Running))
        {
            node.Daemon!.RequestLeave();
        }

        var exits = Task.WhenAll(Nodes.Where(n => n.Daemon is not null).Select(n => n.Exited));
        try
        {
            await exits.WaitAsync(Step);
        }
        finally
        {
            foreach (var node in Nodes)
            {
                node.Daemon?.Dispose();
            }

            foreach (var owned in Enumerable.Reverse(_owned))
            {
                owned.Dispose();
            }

            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A socket or log still held: the temporary folder stays behind, harmlessly.
            }
        }
    }
}
