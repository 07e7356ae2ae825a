using System.Diagnostics;
using Muster.Transport.Faults;
using Muster.Diagnostics;

namespace Muster.Transport.Tests;

public sealed class FaultInjectorTests
{
    [Fact]
    public void Parse_EveryKey_GivesTheValues()
    {
        var o = TransportFaultOptions.Parse("delay=20ms, jitter=1.5ms,reorder=5%,reorder_delay=250us,seed=42");
        Assert.Equal(TimeSpan.FromMilliseconds(20), o.Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(1.5), o.Jitter);
        Assert.Equal(0.05, o.ReorderShare, 6);
        Assert.Equal(TimeSpan.FromMicroseconds(250), o.ReorderDelay);
        Assert.Equal(42UL, o.Seed);
        Assert.True(o.IsActive);
        Assert.False(TransportFaultOptions.Parse("seed=3").IsActive);
    }

    [Theory]
    [InlineData("delay=20", "needs a unit")]
    [InlineData("delay=abcms", "not a duration")]
    [InlineData("loss=5%", "unknown key 'loss'")]
    [InlineData("reorder=150%", "percentage")]
    [InlineData("reorder=5", "percentage")]
    [InlineData("delay=1ms,delay=2ms", "given twice")]
    [InlineData("delay=11s", "longer than")]
    [InlineData("jitter", "not key=value")]
    [InlineData("seed=-1", "unsigned")]
    public void Parse_Malformed_IsRefusedWithTheReason(string text, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => TransportFaultOptions.Parse(text));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains(TransportFaultOptions.EnvironmentVariable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NextHold_StaysInBounds_AndReplaysForTheSameSeed()
    {
        var options = TransportFaultOptions.Parse("delay=10ms,jitter=4ms,reorder=20%,reorder_delay=30ms,seed=7");
        using var a = new FaultInjector<int>(options, (_, _) => { });
        using var b = new FaultInjector<int>(options, (_, _) => { });
        using var other = new FaultInjector<int>(options with { Seed = 8 }, (_, _) => { });
        var holds = Enumerable.Range(0, 2000).Select(_ => a.NextHold()).ToList();
        var replay = Enumerable.Range(0, 2000).Select(_ => b.NextHold()).ToList();
        var different = Enumerable.Range(0, 2000).Select(_ => other.NextHold()).ToList();

        Assert.Equal(holds, replay);
        Assert.NotEqual(holds, different);
        Assert.All(holds, h => Assert.InRange(h, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(44)));
        int reordered = holds.Count(h => h >= TimeSpan.FromMilliseconds(40));
        // 20% of 2000 is 400; the bounds are far outside what a fair generator produces.
        Assert.InRange(reordered, 300, 500);
        // Jitter spreads the non-reordered holds over the whole range.
        Assert.Contains(holds, h => h < TimeSpan.FromMilliseconds(11));
        Assert.Contains(holds, h => h > TimeSpan.FromMilliseconds(13) && h < TimeSpan.FromMilliseconds(14));
    }

    [Fact]
    public async Task Hold_DelayOnly_SendsEveryDatagramAfterTheDelay_InOrder()
    {
        var delay = TimeSpan.FromMilliseconds(30);
        var sink = new Sink(40);
        using var faults = new FaultInjector<int>(TransportFaultOptions.Parse("delay=30ms"), sink.Send);
        var sentAt = new long[40];
        for (int i = 0; i < 40; i++)
        {
            sentAt[i] = Stopwatch.GetTimestamp();
            faults.Hold(i, BitConverter.GetBytes(i));
        }

        var received = await sink.AllAsync();
        Assert.Equal(Enumerable.Range(0, 40), received.Select(r => r.Target));
        Assert.All(received, r => Assert.Equal(r.Target, BitConverter.ToInt32(r.Data)));
        // Never early (the monotonic clock; 1 ms of slack for timestamp granularity).
        Assert.All(received, r => Assert.True(Stopwatch.GetElapsedTime(sentAt[r.Target], r.At) >= delay - TimeSpan.FromMilliseconds(1),
            $"datagram {r.Target} sent after {Stopwatch.GetElapsedTime(sentAt[r.Target], r.At).TotalMilliseconds} ms"));
        Assert.Equal(0, faults.Pending);
    }

    [Fact]
    public async Task Hold_WithReorder_LaterDatagramsOvertakeHeldOnes()
    {
        var sink = new Sink(200);
        using var faults = new FaultInjector<int>(TransportFaultOptions.Parse("delay=1ms,reorder=30%,reorder_delay=20ms,seed=3"), sink.Send);
        for (int i = 0; i < 200; i++)
        {
            faults.Hold(i, BitConverter.GetBytes(i));
        }

        var order = (await sink.AllAsync()).Select(r => r.Target).ToList();
        Assert.Equal(Enumerable.Range(0, 200), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 200), order);
    }

    [Fact]
    public async Task Dispose_DropsHeldDatagrams_AndSendsNothingAfterwards()
    {
        var sink = new Sink(1);
        var faults = new FaultInjector<int>(TransportFaultOptions.Parse("delay=10s"), sink.Send);
        faults.Hold(1, [1]);
        Assert.Equal(1, faults.Pending);
        faults.Dispose();
        faults.Hold(2, [2]);
        Assert.Equal(0, faults.Pending);
        // The datagram was due in 10 s; after Dispose returned its thread is gone, so nothing can arrive.
        await Task.Yield();
        Assert.Equal(0, sink.Count);
    }

    [Fact]
    public void FromEnvironment_Unset_IsNull()
    {
        Assert.Null(Environment.GetEnvironmentVariable(TransportFaultOptions.EnvironmentVariable));
        Assert.Null(TransportFaultOptions.FromEnvironment());
    }

    // Collects what the injector sends, with the time of sending.
    private sealed class Sink(int expected)
    {
        private readonly List<(int Target, byte[] Data, long At)> _received = [];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count
        {
            get
            {
                lock (_received)
                {
                    return _received.Count;
                }
            }
        }

        public void Send(int target, ReadOnlySpan<byte> datagram)
        {
            long at = Stopwatch.GetTimestamp();
            lock (_received)
            {
                _received.Add((target, datagram.ToArray(), at));
                if (_received.Count == expected)
                {
                    _all.TrySetResult();
                }
            }
        }

        public async Task<List<(int Target, byte[] Data, long At)>> AllAsync()
        {
            await _all.Task.WaitAsync(TestSupport.Deadline, TestSupport.Token);
            lock (_received)
            {
                return [.. _received];
            }
        }
    }
}
