using System.Net;
using System.Net.Sockets;
using Muster.Cli.Demo;
using Muster.Configuration;

namespace Muster.Integration.Tests;

// The Prometheus endpoint of a real daemon ([metrics] listen), scraped over HTTP.
[Collection(DaemonCollection.Name)]
public class MetricsTests
{
    [Fact]
    public async Task MetricsEndpoint_ServesTheCountersInPrometheusFormat_AndNothingElse()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(1, TimingOptions.Test);
        var node = cluster.Nodes[0];
        int port = FreeTcpPort();
        await File.AppendAllTextAsync(node.ConfigPath, $"\n[metrics]\nlisten = \"127.0.0.1:{port}\"\n", ct);
        LocalCluster.Start(node);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = new Uri($"http://127.0.0.1:{port}/metrics");
        string body = "";
        var deadline = DateTime.UtcNow + Cluster.Step;
        // The node forms its view alone after its join timeout; the values are published once a second.
        while (!body.Contains("\nmuster_view_members 1\n", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no view_members 1 in time; last scrape:\n{body}\n{Cluster.Logs(cluster)}");
            try
            {
                body = await http.GetStringAsync(url, ct);
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, ct);
        }

        Assert.Contains("# TYPE muster_view_changes_total counter\n", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE muster_ipc_clients gauge\n", body, StringComparison.Ordinal);
        Assert.Matches(@"\nmuster_view_changes_total [1-9]\d*\n", body);
        Assert.Matches(@"\nmuster_udp_packets_sent_total \d+\n", body);

        using var other = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"), ct);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    private static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
