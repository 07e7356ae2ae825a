using Muster.Core.Random;

namespace Muster.Core.Tests;

public class DeterministicRandomTests
{
    [Fact]
    public void NextUInt64_SameSeed_SameSequence()
    {
        var a = new DeterministicRandom(42);
        var b = new DeterministicRandom(42);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
        }
    }

    [Fact]
    public void NextUInt64_Seed0_MatchesPinnedVector()
    {
        // Pinned output: if this changes, every recorded simulation seed replays a different run.
        var r = new DeterministicRandom(0);
        Assert.Equal(0x99EC5F36CB75F2B4UL, r.NextUInt64());
    }

    [Fact]
    public void Next_StaysInRange()
    {
        var r = new DeterministicRandom(7);
        for (int i = 0; i < 10_000; i++)
        {
            int v = r.Next(3, 9);
            Assert.InRange(v, 3, 8);
        }
    }
}
