using System.Buffers.Binary;
using Muster.Core;
using Muster.Fuzz.Targets;
using Muster.Security;
using Muster.Wire;

namespace Muster.Fuzz.Tests;

// Checks that the envelope modes (5 to 7) of the packet target reach what docs/fuzzing.md says they reach: every
// OpenResult, authentic packets through to the engine, and a mutation check that tells changed from unchanged.
public class SealedTargetTests
{
    private static IEnumerable<Seed> SeedsOf(PacketMode mode) =>
        SeedGenerator.PacketSeeds().Where(s => s.Data[0] == (byte)mode);

    [Fact]
    public void Seeds_CoverEveryPacketMode()
    {
        Assert.Equal(PacketTarget.ModeCount, Enum.GetValues<PacketMode>().Length);
        var modes = SeedGenerator.PacketSeeds().Select(s => (PacketMode)(s.Data[0] % PacketTarget.ModeCount)).ToHashSet();
        Assert.Equal(Enum.GetValues<PacketMode>().ToHashSet(), modes);
    }

    [Fact]
    public void RawEnvelopeSeeds_ReachEveryOpenResult()
    {
        var results = new Dictionary<string, OpenResult>();
        foreach (var seed in SeedsOf(PacketMode.SealedRaw))
        {
            results[seed.Name] = SealedTarget.RunRawEnvelope(seed.Data.AsSpan(1));
        }

        Assert.Equal(OpenResult.Ok, results["envelope-ok"]);
        Assert.Equal(OpenResult.AuthenticationFailed, results["envelope-auth-failed"]);
        Assert.Equal(OpenResult.Replayed, results["envelope-replayed"]);
        Assert.Equal(OpenResult.Replayed, results["envelope-counter-zero"]);
        Assert.Equal(OpenResult.StaleIncarnation, results["envelope-stale-incarnation"]);
        Assert.Equal(Enum.GetValues<OpenResult>().ToHashSet(), results.Values.ToHashSet());
    }

    [Fact]
    public void MutationSeeds_OpenOnlyWhenUnchanged()
    {
        var seeds = SeedsOf(PacketMode.SealedMutation).ToList();
        // One unchanged datagram per packet type, plus the hand-made ones.
        Assert.True(seeds.Count >= Enum.GetValues<PacketType>().Length + 7, $"{seeds.Count} mutation seeds");
        foreach (var seed in seeds)
        {
            bool changed = seed.Name is "mutate-header-bit" or "mutate-ciphertext-bit" or "mutate-tag-bit"
                or "mutate-appended" or "mutate-truncated";
            var result = SealedTarget.RunMutation(seed.Data.AsSpan(1));
            Assert.True(changed == (result != OpenResult.Ok), $"{seed.Name}: {result}");
        }
    }

    [Fact]
    public void Mutation_OfAnyByte_IsRejected()
    {
        // Every single-byte change of a sealed datagram, each through the target's own check.
        byte[] plain = "a plain packet of some length"u8.ToArray();
        int length = plain.Length + SecureEnvelope.Overhead;
        for (int position = 0; position < length; position++)
        {
            byte[] input = [(byte)plain.Length, 0, .. plain, (byte)position, (byte)(position >> 8), 0x01];
            var result = SealedTarget.RunMutation(input);
            Assert.NotEqual(OpenResult.Ok, result);
        }

        Assert.Equal(OpenResult.Ok, SealedTarget.RunMutation([(byte)plain.Length, 0, .. plain]));
    }

    [Fact]
    public void SealedRecords_NextOrderedSeed_IsOpenedAndDeliveredToTheGroupLayer()
    {
        // As MemberMode_NextOrderedSeed_IsDeliveredToTheGroupLayer, through the envelope: Open, then OnPacket.
        var seed = SeedGenerator.PacketSeeds().Single(s => s.Name == "sealed-member-next-ordered-multicast");
        Assert.Equal((byte)PacketMode.SealedRecords, seed.Data[0]);
        var baseline = ClusterScript.Instance.Replay(new NodeId(3));
        PacketTarget.RunRecords(baseline, []);
        var node = ClusterScript.Instance.Replay(new NodeId(3));
        var rest = seed.Data.AsSpan(1);
        using var link = new SealedTarget.Link(node.Engine.Self.Node, rest[..SealedTarget.Link.PreambleSize]);

        PacketTarget.RunRecords(node, rest[SealedTarget.Link.PreambleSize..], link);

        Assert.Equal(baseline.Engine.Counters.MessagesDelivered + 1, node.Engine.Counters.MessagesDelivered);
        Assert.Equal(0, node.Engine.Counters.Malformed);
    }

    [Fact]
    public void SealedRecordSeeds_CoverEveryPacketType()
    {
        var types = SeedsOf(PacketMode.SealedRecords)
            .Where(s => s.Name.StartsWith("sealed-member-", StringComparison.Ordinal))
            .Select(s => (PacketType)((s.Data[1 + SealedTarget.Link.PreambleSize + 2] & 0x0F) % 13 + 1))
            .ToHashSet();
        Assert.Equal(Enum.GetValues<PacketType>().ToHashSet(), types);
    }

    [Fact]
    public void SealedTarget_CounterHook_Works()
    {
        // The target starts senders' counters anywhere through a private field; this fails if that stops working.
        byte[] datagram = SealedTarget.Seal([1, 2, 3], new NodeId(2), 9, 1000);
        Assert.Equal(1000ul, BinaryPrimitives.ReadUInt64BigEndian(datagram.AsSpan(24)));
        Assert.Equal(9ul, BinaryPrimitives.ReadUInt64BigEndian(datagram.AsSpan(12)));
        byte[] last = SealedTarget.Seal([1, 2, 3], new NodeId(2), 9, ulong.MaxValue);
        Assert.Equal(ulong.MaxValue, BinaryPrimitives.ReadUInt64BigEndian(last.AsSpan(24)));
    }

    [Fact(Timeout = 60_000)]
    public async Task SealedRecords_CountersNearTheLimit_RunThroughTheWindowAndARestart()
    {
        // The regression of ReplayWindow's endless loop at counter 2^64 - 1, through the fuzz target: before the fix
        // this input never finished.
        var seed = SeedGenerator.PacketSeeds().Single(s => s.Name == "sealed-fresh-counter-near-max");
        var token = TestContext.Current.CancellationToken;
        await Task.Run(() => PacketTarget.Run(seed.Data), token).WaitAsync(TimeSpan.FromSeconds(30), token);
    }
}
