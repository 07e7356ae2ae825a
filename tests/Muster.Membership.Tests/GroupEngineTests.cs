using Muster.Core;
using Muster.Wire;
using Muster.Node;
using System.Text;
using Muster.Node.Groups;

namespace Muster.Membership.Tests;

public class GroupEngineTests
{
    private static TestCluster Formed(int n)
    {
        var c = new TestCluster(n);
        c.StartAll();
        c.RunUntilConverged(TimeSpan.FromSeconds(3));
        c.Run(TimeSpan.FromMilliseconds(100));
        return c;
    }

    [Fact]
    public void JoinSendLeave_AllMembersSeeTheSameSequence()
    {
        var c = Formed(3);
        foreach (var (id, n) in c.Nodes)
        {
            Assert.Equal(GroupRequestResult.Ok, n.Groups.Join("g", 100 + id.Value, session: 1));
            c.Collect(n);
        }

        c.Run(TimeSpan.FromMilliseconds(100));
        foreach (var (id, n) in c.Nodes)
        {
            Assert.Equal(GroupRequestResult.Ok, n.Groups.Send("g", 100 + id.Value, 1, Encoding.UTF8.GetBytes($"from {id}")));
            c.Collect(n);
        }

        c.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal(GroupRequestResult.Ok, c[2].Groups.Leave("g", 102, 1));
        c.Collect(c[2]);
        c.Run(TimeSpan.FromMilliseconds(100));

        string Describe(GroupEvent e) => e.Kind == GroupEventKind.Message
            ? $"msg {e.Sender} {Encoding.UTF8.GetString(e.Payload.Span)}"
            : $"conf [{string.Join(' ', e.Members)}] +[{string.Join(' ', e.Joined.Select(j => $"{j.Member}:{j.Reason}"))}] -[{string.Join(' ', e.Left.Select(l => $"{l.Member}:{l.Reason}"))}]";

        var seen1 = c[1].GroupEvents.Select(Describe).ToList();
        var seen3 = c[3].GroupEvents.Select(Describe).ToList();
        // Node 3 joined last, so it sees a suffix of node 1's sequence starting at its own join.
        int start = seen1.FindIndex(s => s.StartsWith("conf [1/101 2/102 3/103]", StringComparison.Ordinal));
        Assert.True(start >= 0, string.Join(Environment.NewLine, seen1));
        Assert.Equal(seen1.Skip(start), seen3);
        Assert.Equal(3, seen1.Count(s => s.StartsWith("msg", StringComparison.Ordinal)));
        Assert.Contains("conf [1/101 3/103] +[] -[2/102:Leave]", seen1);
        Assert.Contains(c[2].GroupEvents, e => e.Left.Any(l => l.Member.ProcessId == 102 && l.Reason == GroupChangeReason.Leave));
    }

    [Fact]
    public void MulticastFromANonMember_LeaveOfAnUnknownGroup_UnknownOp_LeaveNoGroupEntryBehind()
    {
        var c = Formed(2);
        // Raw group operations submitted by node 1 without any join: every node must ignore them without a trace.
        c[1].Engine.Submit(GroupWire.Encode(GroupOp.Multicast, "ghost-m", 9, "x"u8));
        c[1].Engine.Submit(GroupWire.Encode(GroupOp.Leave, "ghost-l", 9, []));
        c[1].Engine.Submit(GroupWire.Encode((GroupOp)0x7E, "ghost-u", 9, []));
        c.Collect(c[1]);
        c.Run(TimeSpan.FromMilliseconds(200));
        Assert.True(c[2].Engine.Counters.MessagesDelivered >= 3, "the raw operations were not delivered, so the test checked nothing");
        Assert.Equal(0, c[1].Groups.GroupEntryCount);
        Assert.Equal(0, c[2].Groups.GroupEntryCount);
    }

    [Fact]
    public void SessionClosed_MembersSeeProcessDown()
    {
        var c = Formed(2);
        c[1].Groups.Join("g", 7, session: 3);
        c[2].Groups.Join("g", 8, session: 4);
        c.Collect(c[1]);
        c.Collect(c[2]);
        c.Run(TimeSpan.FromMilliseconds(100));
        c[1].Groups.SessionClosed(3);
        c.Collect(c[1]);
        c.Run(TimeSpan.FromMilliseconds(100));
        var last = c[2].GroupEvents.Last();
        Assert.Equal(GroupChangeReason.ProcessDown, Assert.Single(last.Left).Reason);
        Assert.Equal([new GroupMember(new Core.NodeId(2), 8)], last.Members);
    }

    [Fact]
    public void NodeCrash_MembersSeeNodeDown()
    {
        var c = Formed(3);
        foreach (var (id, n) in c.Nodes)
        {
            n.Groups.Join("g", id.Value, 1);
            c.Collect(n);
        }

        c.Run(TimeSpan.FromMilliseconds(100));
        c.Crash(3);
        c.RunUntilConverged(TimeSpan.FromSeconds(2));
        c.Run(TimeSpan.FromMilliseconds(100));
        var last = c[1].GroupEvents.Last(e => e.Kind == GroupEventKind.MembershipChanged);
        Assert.Equal(GroupChangeReason.NodeDown, Assert.Single(last.Left).Reason);
        Assert.Equal(2, last.Members.Count);
    }

    [Fact]
    public void JoinTwice_IsExist_AndBadNamesAreRefused()
    {
        var c = Formed(1);
        Assert.Equal(GroupRequestResult.Ok, c[1].Groups.Join("g", 1, 1));
        Assert.Equal(GroupRequestResult.Exist, c[1].Groups.Join("g", 1, 1));
        Assert.Equal(GroupRequestResult.InvalidName, c[1].Groups.Join("", 1, 1));
        Assert.Equal(GroupRequestResult.InvalidName, c[1].Groups.Join(new string('x', 129), 1, 1));
        Assert.Equal(GroupRequestResult.NotExist, c[1].Groups.Send("other", 1, 1, [1]));
    }

    [Fact]
    public void NameRule_IsTheServices_ForEveryRequest_AndMembersSaysNotExistOrInvalid()
    {
        var c = Formed(1);
        string tooLong = new('é', 65); // 130 UTF-8 bytes in 65 chars
        Assert.Equal(GroupRequestResult.Ok, c[1].Groups.Join("g", 1, 1));
        c.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal(GroupRequestResult.InvalidName, c[1].Groups.Join("a\0b", 1, 1));
        Assert.Equal(GroupRequestResult.InvalidName, c[1].Groups.Join(tooLong, 1, 1));
        Assert.Equal(GroupRequestResult.InvalidName, c[1].Groups.Leave(tooLong, 1, 1));
        Assert.Equal(GroupRequestResult.InvalidName, c[1].Groups.Send("", 1, 1, [1]));
        Assert.Equal(GroupRequestResult.InvalidName, c[1].Groups.Members(tooLong, out _));
        Assert.Equal(GroupRequestResult.NotExist, c[1].Groups.Members("nobody", out var none));
        Assert.Empty(none);
        Assert.Equal(GroupRequestResult.Ok, c[1].Groups.Members("g", out var members));
        Assert.Equal(1u, Assert.Single(members).ProcessId);
        Assert.Equal(GroupNameProblem.TooLong, GroupName.Check(tooLong, out string why));
        Assert.Contains("130 UTF-8 bytes", why, StringComparison.Ordinal);
        Assert.Equal(GroupNameProblem.None, GroupName.Check(new string('é', 64), out _));
    }

    [Fact]
    public void MaxGroupPayload_IsTheConfiguredLimit_NotTheOrderedMessageLimit()
    {
        var node = new ClusterNode(new MemberId(new NodeId(1), 1),
            new MembershipOptions { ClusterName = "t", Nodes = [new NodeId(1)], MaxMessageSize = 4096 + 256 }, 0,
            new SilentEffects(), maxGroupPayload: 4096);
        Assert.Equal(4096, node.Groups.MaxPayload("g"));
        Assert.Equal(GroupRequestResult.NotExist, node.Groups.Send("g", 1, 1, new byte[4096]));
        node.Groups.Join("g", 1, 1);
        Assert.Equal(GroupRequestResult.TooBig, node.Groups.Send("g", 1, 1, new byte[4097]));
    }

    [Fact]
    public void Join_BeyondTheLocalMembershipCap_IsTooManyGroups()
    {
        var node = new ClusterNode(new MemberId(new NodeId(1), 1),
            new MembershipOptions { ClusterName = "t", Nodes = [new NodeId(1)] }, 0, new SilentEffects(), maxLocalMemberships: 3);
        var groups = node.Groups;
        Assert.Equal(GroupRequestResult.Ok, groups.Join("a", 1, 1));
        Assert.Equal(GroupRequestResult.Ok, groups.Join("b", 1, 1));
        Assert.Equal(GroupRequestResult.Ok, groups.Join("c", 1, 1));
        Assert.Equal(GroupRequestResult.TooManyGroups, groups.Join("d", 1, 1));
    }
}
