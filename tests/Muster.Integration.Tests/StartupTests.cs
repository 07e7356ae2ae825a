using System.Net;
using System.Net.Sockets;
using Muster.Cli.Demo;
using Muster.Configuration;

namespace Muster.Integration.Tests;

// A daemon that cannot start says why on stderr, also when its log goes to a file ([logging] file, as LocalCluster
// configures every node): whoever started it must not get exit code 1 and nothing else.
[Collection(DaemonCollection.Name)]
public class StartupTests
{
    [Fact]
    public async Task PortAlreadyInUse_WithALogFile_TheFatalErrorReachesStderrAndTheLog()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(1, TimingOptions.Test);
        var node = cluster.Nodes[0];
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(node.Address, cluster.Port));

        LocalCluster.Start(node);
        await node.Process!.WaitForExitAsync(ct).WaitAsync(Cluster.Step, ct);

        Assert.Equal(1, node.Process.ExitCode);
        string expected = $"cannot bind UDP socket to {node.Address}:{cluster.Port}";
        string stderr = File.Exists(node.LogPath + ".stderr") ? await File.ReadAllTextAsync(node.LogPath + ".stderr", ct) : "";
        Assert.Contains($"musterd: fatal: {expected}", stderr, StringComparison.Ordinal);
        Assert.Contains($"ERROR musterd: fatal: {expected}", await File.ReadAllTextAsync(node.LogPath, ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogFileThatCannotBeOpened_IsReportedOnStderr()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(1, TimingOptions.Test);
        var node = cluster.Nodes[0];
        string missing = Path.Combine(cluster.Directory, "no-such-directory", "musterd.log");
        var config = ConfigLoader.LoadFile(node.ConfigPath);
        File.WriteAllText(node.ConfigPath, ConfigWriter.Write(config with { Logging = config.Logging with { File = missing } }));

        LocalCluster.Start(node);
        await node.Process!.WaitForExitAsync(ct).WaitAsync(Cluster.Step, ct);

        Assert.Equal(1, node.Process.ExitCode);
        string stderr = await File.ReadAllTextAsync(node.LogPath + ".stderr", ct);
        Assert.Contains($"musterd: cannot open the log file {missing} (logging.file): ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuorumOptionsVotequorumRefuses_StopTheDaemon_WithBothKeysNamed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(1, TimingOptions.Test);
        var node = cluster.Nodes[0];
        var config = ConfigLoader.LoadFile(node.ConfigPath);
        // Three nodes, auto_tie_breaker and last_man_standing without wait_for_all: votequorum refuses it.
        var three = config with
        {
            Nodes = [config.Nodes[0], config.Nodes[0] with { Id = 2, Name = "extra2", Endpoints = [new IPEndPoint(IPAddress.Parse("127.0.0.99"), 5405)] },
                config.Nodes[0] with { Id = 3, Name = "extra3", Endpoints = [new IPEndPoint(IPAddress.Parse("127.0.0.98"), 5405)] }],
            Quorum = new QuorumConfig { AutoTieBreaker = true, LastManStanding = true, WaitForAll = false },
        };
        File.WriteAllText(node.ConfigPath, ConfigWriter.Write(three));

        LocalCluster.Start(node);
        await node.Process!.WaitForExitAsync(ct).WaitAsync(Cluster.Step, ct);

        Assert.Equal(3, node.Process.ExitCode);
        string stderr = await File.ReadAllTextAsync(node.LogPath + ".stderr", ct);
        Assert.Contains("quorum.auto_tie_breaker", stderr, StringComparison.Ordinal);
        Assert.Contains("quorum.last_man_standing", stderr, StringComparison.Ordinal);
    }
}
