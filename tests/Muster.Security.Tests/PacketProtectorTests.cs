using Muster.Core;

namespace Muster.Security.Tests;

public class PacketProtectorTests
{
    private static readonly ClusterKey s_key = ClusterKey.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), "k1");
    private static readonly ClusterKey s_otherKey = ClusterKey.FromBytes(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray(), "k2");

    private static PacketProtector Node(uint id, ulong incarnation = 1, ClusterKey? key = null, string cluster = "test") =>
        new(cluster, new NodeId(id), incarnation, noncePrefix: 0x1234u + id, new KeyRing(key ?? s_key));

    private static byte[] Seal(PacketProtector from, byte[] packet)
    {
        var buffer = new byte[packet.Length + SecureEnvelope.Overhead];
        Assert.Equal(buffer.Length, from.Seal(packet, buffer));
        return buffer;
    }

    private static (OpenResult Result, byte[] Packet) Open(PacketProtector at, uint source, byte[] datagram)
    {
        var plain = new byte[datagram.Length];
        var result = at.Open(new NodeId(source), datagram, plain, out int length, out _);
        return (result, plain[..length]);
    }

    [Fact]
    public void SealThenOpen_RoundTripsThePacketAndHidesItsBytes()
    {
        using var a = Node(1);
        using var b = Node(2);
        byte[] packet = "hello, cluster: a plain packet"u8.ToArray();
        byte[] sealedPacket = Seal(a, packet);

        // The plain text does not appear in the datagram.
        Assert.Equal(-1, sealedPacket.AsSpan().IndexOf(packet.AsSpan(0, 8)));
        var (result, opened) = Open(b, 1, sealedPacket);
        Assert.Equal(OpenResult.Ok, result);
        Assert.Equal(packet, opened);
        Assert.Equal(1, b.Counters.Opened);
        Assert.Equal(1, a.Counters.Sealed);
    }

    [Fact]
    public void EveryFlippedBit_IsDetected()
    {
        using var a = Node(1);
        byte[] datagram = Seal(a, new byte[40]);
        for (int i = 0; i < datagram.Length; i++)
        {
            for (int bit = 0; bit < 8; bit += 3)
            {
                using var b = Node(2);
                byte[] copy = (byte[])datagram.Clone();
                copy[i] ^= (byte)(1 << bit);
                var (result, _) = Open(b, 1, copy);
                Assert.NotEqual(OpenResult.Ok, result);
                Assert.Equal(1, b.Counters.DroppedTotal);
            }
        }
    }

    [Fact]
    public void SamePacketTwice_SecondIsAReplay()
    {
        using var a = Node(1);
        using var b = Node(2);
        byte[] datagram = Seal(a, new byte[10]);
        Assert.Equal(OpenResult.Ok, Open(b, 1, datagram).Result);
        Assert.Equal(OpenResult.Replayed, Open(b, 1, datagram).Result);
        Assert.Equal(1, b.Counters.Dropped(OpenResult.Replayed));
    }

    [Fact]
    public void Reordered_WithinTheWindow_AcceptedOnce_TooOld_Rejected()
    {
        using var a = Node(1);
        using var b = Node(2);
        var datagrams = Enumerable.Range(0, ReplayWindow.Size + 10).Select(_ => Seal(a, new byte[4])).ToList();
        // Newest first, then an older one still in the window, then one that fell out of it.
        Assert.Equal(OpenResult.Ok, Open(b, 1, datagrams[^1]).Result);
        Assert.Equal(OpenResult.Ok, Open(b, 1, datagrams[^5]).Result);
        Assert.Equal(OpenResult.Replayed, Open(b, 1, datagrams[^5]).Result);
        Assert.Equal(OpenResult.Replayed, Open(b, 1, datagrams[0]).Result);
    }

    [Fact]
    public void OlderIncarnation_AfterANewerOne_IsStale()
    {
        using var old = Node(1, incarnation: 4);
        using var restarted = Node(1, incarnation: 5);
        using var b = Node(2);
        byte[] fromOld = Seal(old, new byte[8]);
        Assert.Equal(OpenResult.Ok, Open(b, 1, Seal(restarted, new byte[8])).Result);
        Assert.Equal(OpenResult.StaleIncarnation, Open(b, 1, fromOld).Result);
        Assert.Equal(5ul, b.IncarnationOf(new NodeId(1)));
    }

    [Fact]
    public void ForgedPacket_DoesNotMoveTheIncarnationOrTheWindow()
    {
        using var a = Node(1, incarnation: 3);
        using var b = Node(2);
        byte[] good = Seal(a, new byte[8]);
        // A forged packet claiming a newer incarnation: the header is authenticated, so the tag fails.
        byte[] forged = (byte[])good.Clone();
        forged[19] ^= 0x01;
        Assert.Equal(OpenResult.AuthenticationFailed, Open(b, 1, forged).Result);
        Assert.Equal(0ul, b.IncarnationOf(new NodeId(1)));
        Assert.Equal(OpenResult.Ok, Open(b, 1, good).Result);
    }

    [Fact]
    public void WrongKey_IsUnknownKey_WrongClusterName_FailsAuthentication()
    {
        using var a = Node(1);
        using var otherKey = Node(2, key: s_otherKey);
        using var otherCluster = Node(3, cluster: "other");
        byte[] datagram = Seal(a, new byte[8]);
        Assert.Equal(OpenResult.UnknownKey, Open(otherKey, 1, datagram).Result);
        Assert.Equal(OpenResult.AuthenticationFailed, Open(otherCluster, 1, datagram).Result);
    }

    [Fact]
    public void SenderMismatch_WhenTheEnvelopeNamesAnotherNodeThanTheAddress()
    {
        using var a = Node(1);
        using var b = Node(2);
        Assert.Equal(OpenResult.SenderMismatch, Open(b, 3, Seal(a, new byte[8])).Result);
    }

    [Fact]
    public void TruncatedAtEveryLength_RejectedWithoutThrowing()
    {
        using var a = Node(1);
        byte[] datagram = Seal(a, new byte[30]);
        for (int length = 0; length < datagram.Length; length++)
        {
            using var b = Node(2);
            var (result, _) = Open(b, 1, datagram[..length]);
            Assert.NotEqual(OpenResult.Ok, result);
        }
    }

    [Fact]
    public void PlainPacket_IsNotSealed()
    {
        using var b = Node(2);
        Assert.Equal(OpenResult.NotSealed, Open(b, 1, [0x55, 0x4D, 1, 2, 3, 4, 5, 6, 7, 8]).Result);
    }

    [Fact]
    public void NoncesNeverRepeat_TwoSealsOfTheSamePacketDiffer()
    {
        using var a = Node(1);
        byte[] packet = new byte[16];
        var seen = new HashSet<string>();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(seen.Add(Convert.ToHexString(Seal(a, packet))));
        }
    }

    [Fact]
    public void Rotation_PhasedOnBothNodes_NoPacketIsEverDropped()
    {
        var ringA = new KeyRing(s_key);
        var ringB = new KeyRing(s_key);
        using var a = new PacketProtector("test", new NodeId(1), 1, 7, ringA);
        using var b = new PacketProtector("test", new NodeId(2), 1, 8, ringB);
        void Exchange()
        {
            Assert.Equal(OpenResult.Ok, Open(b, 1, Seal(a, new byte[8])).Result);
            Assert.Equal(OpenResult.Ok, Open(a, 2, Seal(b, new byte[8])).Result);
        }

        Exchange();
        Assert.Equal(KeyLoadResult.Staged, ringA.Load(s_otherKey));
        Exchange();
        Assert.Equal(KeyLoadResult.Staged, ringB.Load(s_otherKey));
        Assert.Equal(KeyLoadResult.AlreadyStaged, ringB.Load(s_otherKey));
        Exchange();
        Assert.True(ringA.Activate());
        Exchange();
        Assert.True(ringB.Activate());
        Exchange();
        byte[] sealedWithNewKey = Seal(a, new byte[8]);
        Assert.True(ringA.Retire());
        Assert.True(ringB.Retire());
        Exchange();
        Assert.Equal(OpenResult.Ok, Open(b, 1, sealedWithNewKey).Result);
        Assert.Equal(0, a.Counters.DroppedTotal + b.Counters.DroppedTotal);
        Assert.Equal(s_otherKey.Fingerprint, ringA.Current.Fingerprint);
    }

    [Fact]
    public void Rotation_AfterRetire_TheOldKeyIsRefused()
    {
        var ringB = new KeyRing(s_key);
        using var oldSender = Node(1);
        using var b = new PacketProtector("test", new NodeId(2), 1, 8, ringB);
        ringB.Load(s_otherKey);
        ringB.Activate();
        Assert.Equal(OpenResult.Ok, Open(b, 1, Seal(oldSender, new byte[8])).Result);
        ringB.Retire();
        Assert.Equal(OpenResult.UnknownKey, Open(b, 1, Seal(oldSender, new byte[8])).Result);
    }

    [Fact]
    public void KeyRing_LoadingTheCurrentKey_IsUnchanged_ActivateOrRetireWithNothingToDo_ReturnFalse()
    {
        var ring = new KeyRing(s_key);
        Assert.Equal(KeyLoadResult.Unchanged, ring.Load(ClusterKey.FromBytes(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), "copy")));
        Assert.False(ring.Activate());
        Assert.False(ring.Retire());
        Assert.Single(ring.Accepted);
    }
}
