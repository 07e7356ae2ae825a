using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Muster.Daemon.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Muster.Transport.Tests;

/// <summary>The metrics endpoint on its own: the text format, and a client that never finishes its request.</summary>
public sealed class PrometheusEndpointTests
{
    [Fact]
    public async Task Scrape_RendersCountersAndGauges_OfItsMeterOnly()
    {
        string meterName = $"Test.{Guid.NewGuid():N}";
        using var meter = new Meter(meterName);
        using var other = new Meter($"Other.{Guid.NewGuid():N}");
        long sent = 41;
        meter.CreateObservableCounter("muster.packets_sent", () => ++sent, description: "packets sent");
        meter.CreateObservableGauge("muster.ipc_clients", () => 2L, description: "clients");
        other.CreateObservableCounter("muster.not_ours", () => 7L);
        using var endpoint = new PrometheusEndpoint(new IPEndPoint(IPAddress.Loopback, 0), meterName, NullLoggerFactory.Instance);
        endpoint.Start();

        string body = await GetAsync(endpoint.LocalEndpoint, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.0 200 OK\r\n", body, StringComparison.Ordinal);
        Assert.Contains("# HELP muster_packets_sent_total packets sent\n# TYPE muster_packets_sent_total counter\nmuster_packets_sent_total 42\n", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE muster_ipc_clients gauge\nmuster_ipc_clients 2\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("not_ours", body, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.0 404", await GetAsync(endpoint.LocalEndpoint, "GET /other HTTP/1.1\r\n\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatNeverFinishesItsRequest_DoesNotHoldTheEndpoint()
    {
        string meterName = $"Test.{Guid.NewGuid():N}";
        using var meter = new Meter(meterName);
        meter.CreateObservableGauge("muster.up", () => 1L);
        using var endpoint = new PrometheusEndpoint(new IPEndPoint(IPAddress.Loopback, 0), meterName, NullLoggerFactory.Instance);
        endpoint.Start();

        // Connects and trickles a request line, a byte a second for 6 s; the endpoint serves one client at a time.
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(endpoint.LocalEndpoint, TestSupport.Token);
        var trickle = Task.Run(async () =>
        {
            try
            {
                foreach (byte b in "GET /m"u8.ToArray())
                {
                    await slow.SendAsync(new[] { b }, SocketFlags.None, TestSupport.Token);
                    await Task.Delay(TimeSpan.FromSeconds(1), TestSupport.Token);
                }
            }
            catch (SocketException)
            {
                // Cut off by the endpoint: what it should do.
            }
        }, TestSupport.Token);

        // A scrape behind it is answered once the trickler's one 2 s request deadline has passed, while it still
        // trickles (a timeout per read would have let it hold the endpoint to the end).
        string body = await GetAsync(endpoint.LocalEndpoint, "GET /metrics HTTP/1.0\r\n\r\n");
        Assert.Contains("muster_up 1\n", body, StringComparison.Ordinal);
        Assert.False(trickle.IsCompleted, "the scrape was answered only after the trickling client had finished");
        await trickle.WaitAsync(TestSupport.Deadline, TestSupport.Token);
    }

    private static async Task<string> GetAsync(IPEndPoint endpoint, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, TestSupport.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, TestSupport.Token);
        var response = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, TestSupport.Token).AsTask().WaitAsync(TestSupport.Deadline, TestSupport.Token);
            if (n == 0)
            {
                return Encoding.UTF8.GetString(response.ToArray());
            }

            response.Write(buffer, 0, n);
        }
    }
}
