using Muster.Cli.Demo;
using Muster.Client;
using Muster.Configuration;

namespace Muster.Integration.Tests;

// Two links per node on loopback (127.0.0.1x and 127.0.1.1x). Cutting a link needs a network namespace (the
// namespace test bed); here the links are all healthy, so these tests check that both are probed and reported, and
// that traffic spread over both keeps working. A failover test observes the same GetLinksAsync fields and counters.
[Collection(DaemonCollection.Name)]
public class LinkTests
{
    private static long Counter(DaemonStatus status, string name) => status.Counters.Single(c => c.Key == name).Value;

    private static async Task<LinkReport> WaitForAllLinksUpAsync(MusterClient client, LocalCluster cluster, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Cluster.Step;
        while (true)
        {
            var links = await client.GetLinksAsync(ct);
            if (links.Peers.All(p => p.Links.All(l => l.Up && l.Rtt is not null)))
            {
                return links;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not every link came up within {Cluster.Step.TotalSeconds:F0} s: " +
                    string.Join("; ", links.Peers.SelectMany(p => p.Links.Select(l => $"{p.Node}/{l.Index} up={l.Up}"))) +
                    Environment.NewLine + Cluster.Logs(cluster));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }

    [Fact]
    public async Task TwoLinks_BothUpWithRttsForEveryPeer_PassiveUsesLinkZero_NoLinkWentDown()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(3, TimingOptions.Test, links: 2);
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(client))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2, 3), ct);
        }

        var links = await WaitForAllLinksUpAsync(client, cluster, ct);
        Assert.Equal("passive", links.Mode);
        Assert.Equal([2u, 3u], links.Peers.Select(p => p.Node.Value));
        foreach (var peer in links.Peers)
        {
            Assert.Equal([0, 1], peer.Links.Select(l => l.Index));
            Assert.Equal($"127.0.0.11:{cluster.Port}", peer.Links[0].LocalEndpoint);
            Assert.Equal($"127.0.1.11:{cluster.Port}", peer.Links[1].LocalEndpoint);
            Assert.Equal($"127.0.1.{10 + peer.Node.Value}:{cluster.Port}", peer.Links[1].RemoteEndpoint);
            Assert.All(peer.Links, l => Assert.True(l.PongsReceived > 0 && l.ProbesSent >= l.PongsReceived));
            // Equal priorities: the lower index carries the traffic.
            Assert.Equal([true, false], peer.Links.Select(l => l.InUse));
            Assert.All(peer.Links, l => Assert.Equal(0, l.DownTransitions));
        }

        var status = await client.GetStatusAsync(ct);
        Assert.Equal(4, Counter(status, "link_up_transitions"));
        Assert.Equal(0, Counter(status, "link_down_transitions"));
        Assert.Equal(0, Counter(status, "link_probes_malformed"));
    }

    [Fact]
    public async Task ActiveMode_LargeMessagesFragmentedOverBothLinks_AreDelivered()
    {
        const int Size = 300 * 1024;
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = LocalCluster.Create(2, TimingOptions.Test, links: 2,
            linkOptions: new LinkOptions { Mode = LinkMode.Active, Mtu = [1500, 1280] });
        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        await using var sender = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var receiver = await LocalCluster.ConnectAsync(cluster.Nodes[1], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(sender))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        }

        var links = await WaitForAllLinksUpAsync(sender, cluster, ct);
        Assert.Equal("active", links.Mode);
        // The smaller link's budget: 1280 - 28 bytes of IPv4 and UDP headers.
        Assert.Equal(1252, links.DatagramSize);
        Assert.All(links.Peers.Single().Links, l => Assert.True(l.InUse));

        await using var rxGroup = await receiver.Groups.JoinAsync("big", ct);
        await using var txGroup = await sender.Groups.JoinAsync("big", ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Cluster.Step);
        var payloads = Enumerable.Range(0, 4).Select(i =>
        {
            var bytes = new byte[Size];
            new Random(i).NextBytes(bytes);
            return bytes;
        }).ToList();

        async Task<List<byte[]>> ReadAsync()
        {
            var seen = new List<byte[]>();
            await foreach (var ev in rxGroup.ReadEventsAsync(deadline.Token))
            {
                if (ev is GroupMessage m && m.Payload.Length == Size)
                {
                    seen.Add(m.Payload.ToArray());
                    if (seen.Count == payloads.Count)
                    {
                        break;
                    }
                }
            }

            return seen;
        }

        var received = ReadAsync();
        foreach (var payload in payloads)
        {
            await txGroup.SendAsync(payload, deadline.Token);
        }

        Assert.Equal(payloads, await received);
        var after = await sender.GetLinksAsync(ct);
        // Round-robin: both links carried traffic and neither went down.
        Assert.All(after.Peers.Single().Links, l => Assert.Equal(0, l.DownTransitions));
        Assert.Equal(0, Counter(await sender.GetStatusAsync(ct), "udp_send_too_big"));
    }

    [Fact]
    public async Task ALinkThatNeverAnswers_IsDown_AndTrafficUsesTheOtherLinkDespiteItsLowerPriority()
    {
        var ct = TestContext.Current.CancellationToken;
        int v6 = FreeIpv6Ports(1) + 1;
        await using var cluster = LocalCluster.Create(2, TimingOptions.Test, links: 2, linkOptions: new LinkOptions { Priorities = [1, 2] });
        // Node 2's link-1 address is IPv6 while node 1 has only IPv4 sockets, in both configurations (nodes whose node
        // lists differ refuse each other, so the configurations must agree). Node 1 cannot send on link 1 at all, and
        // its answers to node 2's probes on link 1 cannot be sent either, so link 1 is dead both ways.
        foreach (var node in cluster.Nodes)
        {
            string text = File.ReadAllText(node.ConfigPath);
            string broken = System.Text.RegularExpressions.Regex.Replace(text, @"""127\.0\.1\.12(:\d+)?""", $"\"[::1]:{v6}\"");
            Assert.NotEqual(text, broken);
            File.WriteAllText(node.ConfigPath, broken);
        }

        foreach (var node in cluster.Nodes)
        {
            LocalCluster.Start(node);
        }

        await using var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(client))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        }

        var deadline = DateTime.UtcNow + Cluster.Step;
        LinkReport links;
        while (!((links = await client.GetLinksAsync(ct)).Peers.Single().Links[0].Up) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        var peer = links.Peers.Single();
        Assert.True(peer.Links[0].Up, Cluster.Logs(cluster));
        Assert.True(peer.Links[0].InUse);
        Assert.False(peer.Links[1].Up);
        Assert.False(peer.Links[1].InUse);
        Assert.Null(peer.Links[1].Rtt);
        Assert.Equal(0, peer.Links[1].PongsReceived);
        Assert.True(peer.Links[1].ProbesSent > 0);
        Assert.Equal(2, peer.Links[1].Priority);
        var status = await client.GetStatusAsync(ct);
        Assert.True(Counter(status, "udp_send_errors") > 0);
        Assert.Equal(0, Counter(status, "link_down_transitions"));
    }

    [Fact]
    public async Task Ipv4AndIpv6Links_BothProbedAndUp_ActiveModeDeliversOverBoth()
    {
        // Link 0 on IPv4 (127.0.0.1x), link 1 on IPv6 loopback: [::1] with a port per node.
        var ct = TestContext.Current.CancellationToken;
        int basePort = FreeIpv6Ports(2);
        await using var cluster = LocalCluster.Create(2, TimingOptions.Test, links: 2, linkOptions: new LinkOptions { Mode = LinkMode.Active });
        foreach (var node in cluster.Nodes)
        {
            string text = File.ReadAllText(node.ConfigPath);
            text = System.Text.RegularExpressions.Regex.Replace(text, @"""127\.0\.1\.1(\d)(:\d+)?""",
                m => $"\"[::1]:{basePort + int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)}\"");
            File.WriteAllText(node.ConfigPath, text);
            LocalCluster.Start(node);
        }

        await using var sender = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct);
        await using var receiver = await LocalCluster.ConnectAsync(cluster.Nodes[1], Cluster.Step, ct);
        await using (var watch = new MembershipWatcher(sender))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1, 2), ct);
        }

        var links = await WaitForAllLinksUpAsync(sender, cluster, ct);
        var peer = links.Peers.Single();
        Assert.Equal($"[::1]:{basePort + 1}", peer.Links[1].LocalEndpoint);
        Assert.Equal($"[::1]:{basePort + 2}", peer.Links[1].RemoteEndpoint);
        Assert.True(peer.Links[1].PongsReceived > 0, "no probe was answered over IPv6");

        await using var rxGroup = await receiver.Groups.JoinAsync("v6", ct);
        await using var txGroup = await sender.Groups.JoinAsync("v6", ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Cluster.Step);
        const int Count = 200;
        async Task<int> ReadAsync()
        {
            int next = 0;
            await foreach (var ev in rxGroup.ReadEventsAsync(deadline.Token))
            {
                if (ev is GroupMessage m)
                {
                    Assert.Equal(next, BitConverter.ToInt32(m.Payload.Span));
                    if (++next == Count)
                    {
                        break;
                    }
                }
            }

            return next;
        }

        var received = ReadAsync();
        for (int i = 0; i < Count; i++)
        {
            await txGroup.SendAsync(BitConverter.GetBytes(i), deadline.Token);
        }

        Assert.Equal(Count, await received);
        var after = (await sender.GetLinksAsync(ct)).Peers.Single();
        Assert.All(after.Links, l => Assert.Equal(0, l.DownTransitions));
    }

    // Two consecutive free UDP ports on [::1] after the returned base (base+1, base+2); skips if IPv6 is unavailable.
    private static int FreeIpv6Ports(int count)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int basePort = 30_000 + ((Environment.ProcessId * 131 + attempt * 977 + Environment.TickCount) & 0x7FFF_FFFF) % 30_000;
            var sockets = new List<System.Net.Sockets.Socket>();
            try
            {
                for (int i = 1; i <= count; i++)
                {
                    var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6,
                        System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
                    sockets.Add(s);
                    s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Loopback, basePort + i));
                }

                return basePort;
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.AddressNotAvailable
                                                                  or System.Net.Sockets.SocketError.AddressFamilyNotSupported)
            {
                Assert.Skip($"IPv6 loopback is not available here: {e.Message}");
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Port taken: try another.
            }
            finally
            {
                foreach (var s in sockets)
                {
                    s.Dispose();
                }
            }
        }

        throw new InvalidOperationException("no free UDP ports on [::1]");
    }
}
