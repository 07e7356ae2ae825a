using System.Globalization;

namespace Muster.TestBed;

public sealed partial class NetnsCluster
{
    // One table per namespace, made at creation; every fault is a rule in its output chain, so Heal is one flush.
    private const string Table = "muster_testbed";
    private const string FaultTable =
        $"table inet {Table} {{\n chain output {{\n type filter hook output priority 0; policy accept;\n }}\n}}\n";

    private readonly HashSet<(int From, int To)> _blackholes = [];
    private readonly Lock _faultSync = new();

    /// <summary>
    /// Drops every packet from node <paramref name="from"/> to node <paramref name="to"/> (on every network); with
    /// <paramref name="oneWay"/> false, also from <paramref name="to"/> to <paramref name="from"/>.
    /// </summary>
    /// <remarks>A rule in the sender's output chain: <c>ip daddr {to's addresses} counter drop</c>.</remarks>
    public void Blackhole(int from, int to, bool oneWay = false)
    {
        AddRule(from, $"ip daddr {{ {string.Join(", ", this[to].Addresses)} }} counter drop");
        lock (_faultSync)
        {
            _blackholes.Add((from, to));
        }

        if (!oneWay)
        {
            Blackhole(to, from, oneWay: true);
        }
    }

    /// <summary>Blackholes both ways between every node of <paramref name="side"/> and every node not in it.</summary>
    public void Partition(params int[] side)
    {
        foreach (int a in side)
        {
            foreach (var b in Nodes.Where(n => !side.Contains(n.Index)))
            {
                Blackhole(a, b.Index);
            }
        }
    }

    /// <summary>Drops <paramref name="percent"/> % (0 to 100, two decimals) of every packet node <paramref name="node"/> sends.</summary>
    /// <remarks><c>oifname != "lo" numgen random mod 10000 &lt; percent x 100 counter drop</c> in the node's output chain.</remarks>
    public void DropShare(int node, double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        int share = (int)Math.Round(percent * 100);
        AddRule(node, $"oifname != \"lo\" numgen random mod 10000 < {share.ToString(CultureInfo.InvariantCulture)} counter drop");
    }

    /// <summary>True unless packets from <paramref name="from"/> to <paramref name="to"/> are blackholed (links aside).</summary>
    public bool Reaches(int from, int to)
    {
        lock (_faultSync)
        {
            return from == to || !_blackholes.Contains((from, to));
        }
    }

    /// <summary>Removes every blackhole and drop rule and brings every link up.</summary>
    public void Heal()
    {
        foreach (var node in Nodes)
        {
            Shell.Must("ip", "netns", "exec", node.Namespace, "nft", "flush", "chain", "inet", Table, "output");
        }

        foreach (var link in _links)
        {
            link.Up();
        }

        lock (_faultSync)
        {
            _blackholes.Clear();
        }
    }

    /// <summary>Packets node <paramref name="node"/>'s fault rules have dropped since they were added (every rule counts).</summary>
    public long DroppedPackets(int node) =>
        CounterRegex().Matches(Rules(node)).Sum(m => long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture));

    /// <summary>The nftables rules of node <paramref name="node"/> (for failure messages).</summary>
    public string Rules(int node) => Shell.Run("ip", "netns", "exec", this[node].Namespace, "nft", "list", "table", "inet", Table).Output;

    [System.Text.RegularExpressions.GeneratedRegex(@"counter packets ([0-9]+)")]
    private static partial System.Text.RegularExpressions.Regex CounterRegex();

    private void AddRule(int node, string rule) =>
        Shell.Must("ip", ["netns", "exec", this[node].Namespace, "nft", "add", "rule", "inet", Table, "output", .. rule.Split(' ')]);
}
