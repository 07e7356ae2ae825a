using Muster.Core;
using Muster.Wire;

namespace Muster.Membership.Tests;

public class LinkProbeTests
{
    private static readonly LinkProbe s_ping = new(LinkProbeKind.Ping, 3, 0xA1B2C3D4, new NodeId(7), 42, 123_456_789_012);

    [Fact]
    public void RoundTrips_AndIsTellableFromMembershipAndSealedPackets()
    {
        byte[] buffer = new byte[LinkProbe.Size];
        Assert.Equal(LinkProbe.Size, s_ping.Write(buffer));
        Assert.Equal("ML"u8.ToArray(), buffer[..2]);
        Assert.True(LinkProbe.IsProbe(buffer));
        Assert.True(LinkProbe.TryRead(buffer, out LinkProbe read, out string? error), error);
        Assert.Equal(s_ping, read);

        // A membership packet starts with "MU", a sealed envelope with "MS".
        Assert.False(LinkProbe.IsProbe("MU"u8));
        Assert.False(LinkProbe.IsProbe("MS"u8));
        Assert.False(LinkProbe.IsProbe("M"u8));
    }

    [Theory]
    [InlineData(-1, 0, "probe of 27 bytes")]      // truncated
    [InlineData(2, 9, "unknown probe version 9")]
    [InlineData(3, 0, "unknown probe kind 0")]
    [InlineData(3, 3, "unknown probe kind 3")]
    [InlineData(12, 0, "invalid sender node id")]
    public void Malformed_IsRejectedWithAReason(int offset, byte value, string reason)
    {
        byte[] buffer = new byte[LinkProbe.Size];
        s_ping.Write(buffer);
        byte[] bytes = buffer;
        if (offset < 0)
        {
            bytes = buffer[..^1];
        }
        else if (offset == 12)
        {
            Array.Clear(bytes, 12, 4);
        }
        else
        {
            bytes[offset] = value;
        }

        Assert.False(LinkProbe.TryRead(bytes, out _, out string? error));
        Assert.StartsWith(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncationAndOneExtraByte_AreRejected()
    {
        byte[] buffer = new byte[LinkProbe.Size + 1];
        s_ping.Write(buffer);
        for (int length = 0; length <= buffer.Length; length++)
        {
            Assert.Equal(length == LinkProbe.Size, LinkProbe.TryRead(buffer.AsSpan(0, length), out _, out _));
        }
    }
}
