using Muster.Client;

namespace Muster.Bench;

internal static class Connect
{
    // Connects, retrying while the daemon is not up yet (a benchmark started right after musterd).
    public static async Task<MusterClient> WithRetryAsync(string socketPath, TimeSpan patience, CancellationToken cancellationToken)
    {
        var options = new MusterClientOptions
        {
            SocketPath = socketPath,
            ClientName = "muster-bench",
            EventBufferCapacity = 4096,
        };
        long deadline = Clock.Now + Clock.FromTimeSpan(patience);
        while (true)
        {
            try
            {
                return await MusterClient.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (MusterNotConnectedException) when (Clock.Now < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
