using System.Net.Sockets;
using System.Text;
using Muster.Cli.Demo;
using Muster.Configuration;

namespace Muster.Integration.Tests;

// musterd run as a Type=notify service: real daemons, each with a fake systemd notification socket.
[Collection(DaemonCollection.Name)]
public class SystemdNotifyTests
{
    [Fact]
    public async Task UnderSystemd_EachDaemonSaysReadyWithItsView_AndFeedsTheWatchdog()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(2, TimingOptions.Test);
        var sockets = new List<Socket>();
        try
        {
            foreach (var node in cluster.Nodes)
            {
                string path = Path.Combine(cluster.Directory, $"notify-{node.Id}");
                var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                sockets.Add(socket);
                node.Environment["NOTIFY_SOCKET"] = path;
                // 400 ms: the daemon must send WATCHDOG=1 every 200 ms.
                node.Environment["WATCHDOG_USEC"] = "400000";
            }

            foreach (var node in cluster.Nodes)
            {
                LocalCluster.Start(node);
            }

            foreach (var socket in sockets)
            {
                // READY=1 comes first, then watchdog pings; once both nodes are in one view, a status says so (the
                // READY line itself, when the view formed before the node was ready).
                string ready = await ReceiveAsync(socket, m => m.StartsWith("READY=1", StringComparison.Ordinal), ct);
                Assert.Matches(@"^READY=1\nSTATUS=(in view \S+ with [12] of 2 nodes \(.+\)|joining: .+)$", ready);
                bool bothInView = ready.Contains("with 2 of 2 nodes", StringComparison.Ordinal);
                int watchdogs = 0;
                while (watchdogs < 3 || !bothInView)
                {
                    string message = await ReceiveAsync(socket, _ => true, ct);
                    watchdogs += message == "WATCHDOG=1" ? 1 : 0;
                    bothInView |= message.StartsWith("STATUS=in view", StringComparison.Ordinal) &&
                        message.Contains("with 2 of 2 nodes (1 2)", StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    // The next notification that matches, skipping the others; fails after the step deadline.
    private static async Task<string> ReceiveAsync(Socket socket, Func<string, bool> match, CancellationToken ct)
    {
        var buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Cluster.Step);
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            string message = Encoding.UTF8.GetString(buffer, 0, n);
            if (match(message))
            {
                return message;
            }
        }
    }
}
