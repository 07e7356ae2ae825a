using System.Buffers.Binary;
using Muster.Core;
using Muster.Core.Random;

namespace Muster.Simulation;

/// <summary>Test messages: a header naming the sender and a counter, then filler that can be verified.</summary>
public static class Workload
{
    public const int HeaderSize = 20;

    public static byte[] Create(MemberId sender, ulong counter, int size)
    {
        size = Math.Max(size, HeaderSize);
        var bytes = new byte[size];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, sender.Node.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(4), sender.Incarnation);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(12), counter);
        for (int i = HeaderSize; i < size; i++)
        {
            bytes[i] = (byte)(i * 31 + (int)counter);
        }

        return bytes;
    }

    public static bool TryParse(ReadOnlySpan<byte> payload, out MemberId sender, out ulong counter)
    {
        sender = default;
        counter = 0;
        if (payload.Length < HeaderSize)
        {
            return false;
        }

        sender = new MemberId(new NodeId(BinaryPrimitives.ReadUInt32LittleEndian(payload)),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[4..]));
        counter = BinaryPrimitives.ReadUInt64LittleEndian(payload[12..]);
        for (int i = HeaderSize; i < payload.Length; i++)
        {
            if (payload[i] != (byte)(i * 31 + (int)counter))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Mostly small messages, some of a few fragments, a few large.</summary>
    public static int NextSize(DeterministicRandom random)
    {
        int roll = random.Next(100);
        return roll switch
        {
            < 90 => random.Next(HeaderSize, 200),
            < 98 => random.Next(1_000, 5_000),
            _ => random.Next(10_000, 64_000),
        };
    }
}
