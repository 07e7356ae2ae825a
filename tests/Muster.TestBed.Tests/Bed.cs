namespace Muster.TestBed.Tests;

/// <summary>Settings and helpers shared by the test-bed tests.</summary>
internal static class Bed
{
    /// <summary>Deadline for one step (a view forming, a partition settling): generous, since CI machines are busy.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(60);

    /// <summary>MUSTER_TESTBED_LONG=1 runs the soak-style tests for minutes instead of about a minute.</summary>
    public static bool Long => Environment.GetEnvironmentVariable("MUSTER_TESTBED_LONG") == "1";

    /// <summary>MUSTER_TESTBED_KNOWN_FAILURES=1 runs tests that document a known protocol problem (skipped otherwise).</summary>
    public static bool RunKnownFailures => Environment.GetEnvironmentVariable("MUSTER_TESTBED_KNOWN_FAILURES") == "1";

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Skips the calling test (xUnit dynamic skip) when this machine cannot run the test bed.</summary>
    public static void RequireOrSkip()
    {
        if (TestBedHost.Unavailable is { } why)
        {
            Assert.Skip($"test bed unavailable: {why}");
        }
    }

    /// <summary>Creates a cluster, starts every daemon, and waits until all of them share one view.</summary>
    public static async Task<(NetnsCluster Cluster, ViewBoard Board)> StartAsync(TestBedOptions options)
    {
        RequireOrSkip();
        var cluster = NetnsCluster.Create(options);
        try
        {
            cluster.StartAll();
            var board = await ViewBoard.StartAsync(cluster, Step, Token);
            try
            {
                await board.WaitForViewAsync([.. cluster.Nodes.Select(n => n.Index)], Step, Token);
                return (cluster, board);
            }
            catch
            {
                await board.DisposeAsync();
                throw;
            }
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }
}
