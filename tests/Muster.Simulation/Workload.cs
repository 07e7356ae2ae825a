using System.Buffers.Binary;
using Muster.Core;
using Muster.Core.Random;

namespace Muster.Simulation;

/// <summary>Test messages: a header naming the sender and a counter, then filler that can be verified.</summary>
public static class Workload
{
    /// <summary>First byte of a raw workload message (group-layer messages start with their operation, 1..5).</summary>
    public const byte Marker = 0xEE;

    public const int HeaderSize = 21;

    public static byte[] Create(MemberId sender, ulong counter, int size)
    {
        size = Math.Max(size, HeaderSize);
        var bytes = new byte[size];
        bytes[0] = Marker;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(1), sender.Node.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(5), sender.Incarnation);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(13), counter);
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
        if (payload.Length < HeaderSize || payload[0] != Marker)
        {
            return false;
        }

        sender = new MemberId(new NodeId(BinaryPrimitives.ReadUInt32LittleEndian(payload[1..])),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[5..]));
        counter = BinaryPrimitives.ReadUInt64LittleEndian(payload[13..]);
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
