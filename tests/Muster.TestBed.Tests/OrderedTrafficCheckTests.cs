using Muster.Core;
using static Muster.TestBed.OrderedTraffic;

namespace Muster.TestBed.Tests;

// The checks of OrderedTraffic on hand-made logs: each rule reports what it must, and stays quiet where nothing is
// owed. Pure (no namespaces, no root), so they run everywhere.
public class OrderedTrafficCheckTests
{
    private static readonly GroupConfiguration s_all = new(new ViewId(1, new NodeId(1)), "1,2,3");
    private static readonly GroupConfiguration s_one = new(new ViewId(3, new NodeId(1)), "1");
    private static readonly GroupConfiguration s_twoThree = new(new ViewId(3, new NodeId(2)), "2,3");
    private static readonly GroupConfiguration s_merged = new(new ViewId(4, new NodeId(1)), "1,2,3");

    private static MessageId M(int node, long number) => new(node, 1, number);

    private static InstanceLog Log(int node, long sent, IReadOnlyList<GroupConfiguration> configs,
        IReadOnlyList<(MessageId Id, int Config)> deliveries, bool ended = false) =>
        new($"n{node}#1", node, 1, sent, ended, configs, deliveries);

    [Fact]
    public void AgreeingLogs_ThroughAPartitionAndMerge_HaveNoProblem()
    {
        // n1 alone and n2, n3 together in the partition, each side with its own messages; the same merged tail.
        var n1 = Log(1, 3, [s_all, s_one, s_merged], [(M(1, 0), 0), (M(2, 0), 0), (M(1, 1), 1), (M(1, 2), 2), (M(2, 2), 2)]);
        var n2 = Log(2, 3, [s_all, s_twoThree, s_merged], [(M(1, 0), 0), (M(2, 0), 0), (M(2, 1), 1), (M(1, 2), 2), (M(2, 2), 2)]);
        var n3 = Log(3, 0, [s_all, s_twoThree, s_merged], [(M(1, 0), 0), (M(2, 0), 0), (M(2, 1), 1), (M(1, 2), 2), (M(2, 2), 2)]);

        Assert.Empty(Check([n1, n2, n3]));
    }

    [Fact]
    public void TwoMessagesInOppositeOrders_AcrossViews_AreReported()
    {
        var n1 = Log(1, 0, [s_all, s_one], [(M(2, 0), 0), (M(3, 0), 0)]);
        var n2 = Log(2, 1, [s_all, s_twoThree], [(M(3, 0), 1), (M(2, 0), 1)]);

        var problem = Assert.Single(Check([n1, n2]), p => p.StartsWith("order:", StringComparison.Ordinal));
        Assert.Contains("n1#1 delivered n2#1:0", problem, StringComparison.Ordinal);
        Assert.Contains("but n2#1 delivered n3#1:0", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicates_AndMessagesOutOfTheirSendersOrder_AreReported()
    {
        var n1 = Log(1, 0, [s_all], [(M(2, 0), 0), (M(2, 2), 0), (M(2, 1), 0), (M(2, 0), 0)]);

        var problems = Check([n1]);

        Assert.Contains(problems, p => p.StartsWith("n1#1 delivered 1 message(s) twice: n2#1:0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("n1#1 delivered 1 message(s) out of their sender's order: n2#1:1", StringComparison.Ordinal));
    }

    [Fact]
    public void ALiveSenderThatDidNotGetItsOwnMessageBack_IsReported_AKilledOneIsNot()
    {
        var alive = Log(1, 2, [s_all], [(M(1, 0), 0)]);
        var killed = Log(2, 2, [s_all], [(M(2, 0), 0)], ended: true);

        var problem = Assert.Single(Check([alive, killed]));
        Assert.StartsWith("n1#1 is alive but received back only 1 of the 2 messages it sent: n1#1:1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AMessageWithOutcomeUnknown_IsNotOwedBack_ButMustNeverComeBack()
    {
        // n1 sent 0..2; 1 was given up with outcome unknown (its view's sequencer was lost): not owed back.
        var told = Log(1, 3, [s_all], [(M(1, 0), 0), (M(1, 2), 0)]) with { Unknown = new HashSet<long> { 1 } };
        Assert.Empty(Check([told]));

        // Receiving it back anyway is a problem: the daemon said it would not be delivered here.
        var back = Log(1, 3, [s_all], [(M(1, 0), 0), (M(1, 1), 0), (M(1, 2), 0)]) with { Unknown = new HashSet<long> { 1 } };
        var problem = Assert.Single(Check([back]));
        Assert.StartsWith("n1#1 received back 1 message(s) it was told have an unknown outcome: n1#1:1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AMessageOwedByVirtualSynchrony_ThatNeverArrives_IsLoss()
    {
        // n2 and n3 both leave s_all for s_twoThree: what n2 got back in s_all is owed to n3.
        var n2 = Log(2, 2, [s_all, s_twoThree], [(M(2, 0), 0), (M(2, 1), 0)]);
        var n3 = Log(3, 0, [s_all, s_twoThree], [(M(2, 0), 0)]);

        var problem = Assert.Single(Check([n2, n3]));
        Assert.StartsWith("loss: n3#1 is missing 1 of the 2 messages n2#1 received back in (view 1.1 [1,2,3])", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void StillTogetherInTheLastConfiguration_IsOwedToo()
    {
        var n1 = Log(1, 1, [s_all], [(M(1, 0), 0)]);
        var n2 = Log(2, 0, [s_all], []);

        Assert.StartsWith("loss: n2#1 is missing 1", Assert.Single(Check([n1, n2])), StringComparison.Ordinal);
    }

    [Fact]
    public void NothingIsOwed_AcrossAPartition_OrFromAKilledSender_OrToAKilledReceiver()
    {
        // n1 got m back in s_all and went to s_one; n2 went to s_twoThree: they did not move on together.
        var n1 = Log(1, 1, [s_all, s_one], [(M(1, 0), 0)]);
        var n2 = Log(2, 0, [s_all, s_twoThree], []);
        Assert.Empty(Check([n1, n2]));

        // The sender was killed while in s_all; the receiver went on.
        var killed = Log(1, 0, [s_all], [(M(1, 0), 0)], ended: true);
        var survivor = Log(2, 0, [s_all, s_twoThree], []);
        Assert.Empty(Check([killed, survivor]));

        // The receiver was killed while in s_all.
        var sender = Log(1, 1, [s_all], [(M(1, 0), 0)]);
        var dead = Log(2, 0, [s_all], [], ended: true);
        Assert.Empty(Check([sender, dead]));
    }

    [Fact]
    public void AReceiverThatNeverHadTheSendersConfiguration_IsOwedNothing()
    {
        // A restarted node's new instance joined only in s_merged.
        var n1 = Log(1, 1, [s_all, s_merged], [(M(1, 0), 0)]);
        var late = new InstanceLog("n2#2", 2, 2, 0, false, [s_merged], []);

        Assert.Empty(Check([n1, late]));
    }
}
