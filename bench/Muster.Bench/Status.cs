namespace Muster.Bench;

// Prints the daemon's status counters and timeouts, one "name value" per line (for diagnosing a run).
internal sealed class Status
{
    private readonly string _socket;

    public Status(Options o)
    {
        _socket = o.Text("socket");
    }

    public async Task<int> RunAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var client = await Connect.WithRetryAsync(_socket, TimeSpan.FromSeconds(5), cts.Token).ConfigureAwait(false);
        var s = await client.GetStatusAsync(cts.Token).ConfigureAwait(false);
        Console.WriteLine($"node {s.NodeId} ({s.NodeName}) view {s.ViewId} state {s.State} members {s.Members.Count}");
        foreach (var (name, value) in s.Timeouts)
        {
            Console.WriteLine($"timeout {name} {value.TotalMilliseconds}ms");
        }

        foreach (var (name, value) in s.Counters)
        {
            Console.WriteLine($"counter {name} {value}");
        }

        return 0;
    }
}
