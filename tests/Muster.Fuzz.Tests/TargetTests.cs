using Muster.Core;
using Muster.Fuzz.Targets;
using Muster.Ipc.Contracts;
using Muster.Wire;

namespace Muster.Fuzz.Tests;

// Checks that the targets do what docs/fuzzing.md says, so that a fuzz run means what it claims.
public class TargetTests
{
    [Fact]
    public void ClusterScript_Replay_RebuildsEachNodeExactly()
    {
        var script = ClusterScript.Instance;
        foreach (var node in ClusterScript.NodeIds)
        {
            var replica = script.Replay(node);
            Assert.Equal(script.FinalStates[node], replica.Engine.DescribeState());
            Assert.Equal(3, replica.Engine.CurrentView!.Members.Count);
            Assert.Equal(3, replica.Groups.MembersOf(ClusterScript.GroupName).Count);
        }
    }

    [Fact]
    public void MemberMode_NextOrderedSeed_IsDeliveredToTheGroupLayer()
    {
        // Shows that a patched header plus an in-view node lets fuzzed bytes reach delivery and GroupEngine.
        var seed = SeedGenerator.PacketSeeds().Single(s => s.Name == "member-next-ordered-multicast");
        Assert.Equal((byte)PacketMode.Member, seed.Data[0]);
        // The same run without the packet: what the closing ticks (a failure timeout, a view change) deliver anyway.
        var baseline = ClusterScript.Instance.Replay(new NodeId(3));
        PacketTarget.RunRecords(baseline, []);
        var node = ClusterScript.Instance.Replay(new NodeId(3));

        PacketTarget.RunRecords(node, seed.Data.AsSpan(1));

        Assert.Equal(baseline.Engine.Counters.MessagesDelivered + 1, node.Engine.Counters.MessagesDelivered);
        Assert.Equal(0, node.Engine.Counters.Malformed);
    }

    [Fact]
    public void RawMode_GarbageDatagram_IsCountedAsMalformed()
    {
        var node = ClusterScript.Instance.Replay(new NodeId(1));
        long before = node.Engine.Counters.Malformed;
        PacketTarget.RunRecords(node, PacketTarget.Record(PacketType.Heartbeat, 0, false, [1, 2, 3]));
        Assert.Equal(before + 1, node.Engine.Counters.Malformed);
    }

    [Fact]
    public void Seeds_CoverEveryPacketType()
    {
        var types = new HashSet<PacketType>();
        foreach (var seed in SeedGenerator.PacketSeeds().Where(s => s.Data[0] == (byte)PacketMode.RawDatagram))
        {
            var r = new WireReader(seed.Data.AsSpan(1));
            if (PacketHeader.TryRead(ref r, out var header, out _))
            {
                types.Add(header.Type);
            }
        }

        Assert.Equal(Enum.GetValues<PacketType>().ToHashSet(), types);
    }

    [Fact]
    public void Seeds_CoverEveryIpcMessageType()
    {
        var types = new HashSet<MessageType>();
        foreach (var seed in SeedGenerator.IpcSeeds())
        {
            if (IpcCodec.TryDecodeFrame(seed.Data, IpcProtocol.DefaultMaxFrameSize, out var frame, out _, out _) == DecodeStatus.Done)
            {
                types.Add(frame.Message.Type);
            }
        }

        Assert.Equal(Enum.GetValues<MessageType>().ToHashSet(), types);
    }

    [Fact]
    public void CommittedCorpus_MatchesTheGenerator()
    {
        // The IPC seeds are fixed encodings: they must be byte for byte what the generator makes. Packet seeds hold
        // recorded traffic, which moves with the protocol; those must at least all be there (regenerate with
        // `dotnet run --project fuzz/Muster.Fuzz -c Release -- generate fuzz/corpus`).
        foreach (var seed in SeedGenerator.All())
        {
            string path = Path.Combine(FuzzFiles.Corpus(seed.Target), seed.Name);
            Assert.True(File.Exists(path), $"fuzz/corpus/{seed.Target}/{seed.Name} is missing");
            if (seed.Target == "ipc")
            {
                Assert.Equal(seed.Data, File.ReadAllBytes(path));
            }
        }
    }
}
