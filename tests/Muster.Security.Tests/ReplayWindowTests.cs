namespace Muster.Security.Tests;

public class ReplayWindowTests
{
    [Fact]
    public void Counters_AcceptedOnce_InAnyOrderWithinTheWindow()
    {
        var window = new ReplayWindow();
        var order = new ulong[] { 5, 1, 3, 2, 4, 9, 7, 8, 6 };
        foreach (ulong c in order)
        {
            Assert.True(window.IsFresh(c), $"counter {c}");
            window.Accept(c);
        }

        foreach (ulong c in order)
        {
            Assert.False(window.IsFresh(c), $"counter {c} again");
        }

        Assert.Equal(9ul, window.Highest);
    }

    [Fact]
    public void ZeroAndTooOld_AreNeverFresh_AndAJumpClearsReusedSlots()
    {
        var window = new ReplayWindow();
        Assert.False(window.IsFresh(0));
        window.Accept(1);
        window.Accept(2);
        // Jump so that counters 1 and 2 fall out, while slots that map onto them are reused.
        ulong far = 2 + ReplayWindow.Size;
        Assert.True(window.IsFresh(far));
        window.Accept(far);
        Assert.False(window.IsFresh(1));
        Assert.False(window.IsFresh(2));
        Assert.True(window.IsFresh(far - 1));
        Assert.True(window.IsFresh(far - ReplayWindow.Size + 1));
        Assert.False(window.IsFresh(far - ReplayWindow.Size));
    }

    [Fact]
    public void AgainstAModel_RandomSequences()
    {
        // Model: the set of accepted counters; fresh = not in it and within Size of the highest.
        var random = new Muster.Core.Random.DeterministicRandom(42);
        for (int run = 0; run < 50; run++)
        {
            var window = new ReplayWindow();
            var accepted = new HashSet<ulong>();
            ulong highest = 0;
            for (int i = 0; i < 3000; i++)
            {
                ulong c = (ulong)random.Next(1, 1 + (int)highest + 64);
                bool modelFresh = !accepted.Contains(c) && (c > highest || highest - c < ReplayWindow.Size);
                Assert.Equal(modelFresh, window.IsFresh(c));
                if (modelFresh)
                {
                    window.Accept(c);
                    accepted.Add(c);
                    highest = Math.Max(highest, c);
                }
            }
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Accept_TheLastCounter_AfterANearOne_Terminates()
    {
        // The clearing loop ran "for c = highest + 1; c <= counter; c++": with counter = ulong.MaxValue, c wraps to 0
        // and the loop never ends (a hang of the daemon's loop thread on one authentic packet).
        var window = new ReplayWindow();
        await Task.Run(() =>
        {
            window.Accept(ulong.MaxValue - 2);
            Assert.True(window.IsFresh(ulong.MaxValue));
            window.Accept(ulong.MaxValue);
        }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(ulong.MaxValue, window.Highest);
        Assert.False(window.IsFresh(ulong.MaxValue));
        Assert.False(window.IsFresh(ulong.MaxValue - 2));
        Assert.True(window.IsFresh(ulong.MaxValue - 1));
    }
}
