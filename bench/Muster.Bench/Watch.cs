using Muster.Client;

namespace Muster.Bench;

// Prints every membership notification as one line:
//   <CLOCK_MONOTONIC µs> <CLOCK_REALTIME µs> view <view id> n=<members> members=<id,id,...> [left=<id,...>]
// With --until-members N it exits 0 as soon as a view of N members is seen (used by setup.sh), 1 on timeout.
internal sealed class Watch
{
    private readonly string _socket;
    private readonly int _untilMembers;
    private readonly TimeSpan _timeout;

    public Watch(Options o)
    {
        _socket = o.Text("socket");
        _untilMembers = (int)o.Integer("until-members", 0);
        _timeout = o.Seconds("timeout", 0);
    }

    public async Task<int> RunAsync()
    {
        using var overall = _timeout > TimeSpan.Zero ? new CancellationTokenSource(_timeout) : new CancellationTokenSource();
        var token = overall.Token;
        try
        {
            await using var client = await Connect.WithRetryAsync(_socket, _timeout > TimeSpan.Zero ? _timeout : TimeSpan.FromSeconds(10), token)
                .ConfigureAwait(false);
            var stdout = Console.Out;
            await foreach (var n in client.Membership.TrackAsync(TrackFlags.Current | TrackFlags.Changes, token).ConfigureAwait(false))
            {
                long mono = Clock.MonotonicMicroseconds;
                long real = Clock.RealtimeMicroseconds;
                string members = string.Join(',', n.View.Members.Select(m => m.NodeId.Value));
                string left = string.Join(',', n.Items.Where(i => i.Member.State != MemberState.Member).Select(i => i.Member.NodeId.Value));
                await stdout.WriteLineAsync(
                    $"{mono} {real} view {n.ViewId} n={n.MemberCount} members={members}{(left.Length > 0 ? " left=" + left : "")}")
                    .ConfigureAwait(false);
                await stdout.FlushAsync(token).ConfigureAwait(false);
                if (_untilMembers > 0 && n.MemberCount >= _untilMembers)
                {
                    return 0;
                }
            }

            return 1;
        }
        catch (OperationCanceledException)
        {
            return 1;
        }
        catch (MusterException e)
        {
            await Console.Error.WriteLineAsync($"muster-bench watch: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
