using System.Diagnostics;
using System.Globalization;
using Muster.Core;
using Muster.Security;

namespace Muster.Bench;

/// <summary>
/// CPU cost of packet protection alone: one node seals, another opens, per packet size, no network. Each round seals
/// and opens <c>--count</c> packets; the median round of <c>--rounds</c> is reported as ns per packet (seal + open).
/// </summary>
internal sealed class CryptoBench(Options o)
{
    private readonly int[] _sizes = [.. o.Text("sizes", "64,1024,1400").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
    private readonly int _count = (int)o.Integer("count", 200_000);
    private readonly int _rounds = (int)o.Integer("rounds", 7);

    public int Run()
    {
        var key = ClusterKey.Generate("bench");
        using var sender = new PacketProtector("bench", new NodeId(1), 1, 1, new KeyRing(key));
        using var receiver = new PacketProtector("bench", new NodeId(2), 1, 2, new KeyRing(key));
        foreach (int size in _sizes)
        {
            var packet = new byte[size];
            var sealedPacket = new byte[size + SecureEnvelope.Overhead];
            var opened = new byte[sealedPacket.Length];
            var perPacket = new List<double>();
            for (int round = 0; round < _rounds; round++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < _count; i++)
                {
                    int n = sender.Seal(packet, sealedPacket);
                    if (receiver.Open(new NodeId(1), sealedPacket.AsSpan(0, n), opened, out _, out _) != OpenResult.Ok)
                    {
                        throw new InvalidOperationException("a sealed packet did not open");
                    }
                }

                perPacket.Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / _count);
            }

            perPacket.Sort();
            double median = perPacket[perPacket.Count / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"bench\":\"crypto\",\"size\":{size},\"count\":{_count},\"rounds\":{_rounds},\"seal_open_ns_median\":{median:F0}," +
                $"\"seal_open_ns_min\":{perPacket[0]:F0},\"seal_open_ns_max\":{perPacket[^1]:F0},\"mb_per_s\":{size / median * 1000:F1}}}"));
        }

        return 0;
    }
}
