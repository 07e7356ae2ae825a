using N = Muster.Node.Quorum;
using W = Muster.Ipc.Contracts;

namespace Muster.Integration.Tests;

// The daemon hands the quorum service's flags to the wire by value (ClusterDaemon.Quorum.cs), and maps the reasons
// by name: both rest on the two enums naming the same things.
public class QuorumWireMappingTests
{
    [Fact]
    public void Every_node_quorum_flag_has_the_same_bit_on_the_wire()
    {
        foreach (var flag in Enum.GetValues<N.QuorumFlags>())
        {
            Assert.True(Enum.TryParse<W.QuorumFlags>(flag.ToString(), out var wire), $"the wire has no {flag}");
            Assert.Equal((int)flag, (int)wire);
        }

        Assert.Equal(Enum.GetValues<N.QuorumFlags>().Length, Enum.GetValues<W.QuorumFlags>().Length);
    }

    [Fact]
    public void Every_node_quorum_reason_has_a_wire_name()
    {
        foreach (var reason in Enum.GetValues<N.QuorumReason>())
        {
            Assert.True(Enum.TryParse<W.QuorumReason>(reason.ToString(), out _), $"the wire has no {reason}");
        }
    }
}
