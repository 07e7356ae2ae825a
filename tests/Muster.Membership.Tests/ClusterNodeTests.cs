using Muster.Core;
using Muster.Membership;
using Muster.Node.Groups;
using Muster.Node;

namespace Muster.Membership.Tests;

/// <summary>The composed node's effects loop: order of effects, quiescence, its round bound and re-entry guard.</summary>
public class ClusterNodeTests
{
    private static readonly Instant Start = new(TimeSpan.TicksPerSecond);

    [Fact]
    public void ViewMark_IsPersistedBeforeAnyPacketOfItsRound_AndSendsEndWithSendsDone()
    {
        var (node, effects, now) = AloneInAView();
        Assert.Contains("persist", effects.Log);
        for (int i = 0; i < effects.Log.Count; i++)
        {
            if (effects.Log[i] == "persist")
            {
                // A round starts with the persist: nothing of an unfinished send batch comes before it.
                Assert.True(i == 0 || effects.Log[i - 1] is "sends-done" or "event", $"persist after {effects.Log[i - 1]} at {i}");
            }

            if (effects.Log[i] == "send")
            {
                Assert.Contains("sends-done", effects.Log.Skip(i));
            }
        }

        Assert.Equal(NodeState.Operational, node.Membership.State);
        Assert.True(node.NextDeadline > now);
    }

    [Fact]
    public void GroupLayerSeesEveryEventBeforeTheShell_AndItsSyncIsSentInTheSameInput()
    {
        var (node, effects, now) = AloneInAView();
        Assert.Equal(GroupRequestResult.Ok, node.Groups.Join("g", 7, 1));
        effects.GroupEvents.Clear();
        node.Flush(now);

        // One input: the join was ordered, delivered, applied by the group layer, and its event reached the shell.
        var change = Assert.Single(effects.GroupEvents, e => e.Kind == GroupEventKind.MembershipChanged);
        Assert.Contains(change.Joined, j => j.Member.ProcessId == 7);
        Assert.Contains(new GroupMember(new NodeId(1), 7), node.Groups.MembersOf("g"));
    }

    [Fact]
    public void AServiceThatKeepsSubmitting_IsAClearErrorAfterTheRoundBound()
    {
        var (node, effects, now) = AloneInAView();
        effects.OnDelivered = _ => node.Membership.Submit(new byte[] { 1 });
        Assert.Equal(SubmitResult.Accepted, node.Membership.Submit(new byte[] { 1 }));
        var e = Assert.Throws<NodeLoopException>(() => node.Flush(now));
        Assert.Contains($"did not settle in {ClusterNode.MaxRounds} rounds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeedingTheNodeFromAnEffectHandler_IsRefused()
    {
        var (node, effects, now) = AloneInAView();
        effects.OnDelivered = _ => node.Flush(now);
        Assert.Equal(SubmitResult.Accepted, node.Membership.Submit(new byte[] { 1 }));
        var e = Assert.Throws<InvalidOperationException>(() => node.Flush(now));
        Assert.Contains("while its effects are being handled", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AfterLeaving_InputIsIgnored_WithNoEffects()
    {
        var (node, effects, now) = AloneInAView();
        node.Leave(now);
        Assert.True(node.HasLeft);
        Assert.Contains("event:LeftCluster", effects.Kinds);
        int before = effects.Log.Count;

        // A shell may still have requests of that round queued behind the leave: they must not fail.
        node.Tick(now + TimeSpan.FromSeconds(1));
        node.Flush(now);
        node.OnPacket(new NodeId(2), [1, 2, 3], now);
        Assert.Equal(before, effects.Log.Count);
    }

    [Fact]
    public void ABacklogDrainedOneWindowPerRound_IsNotALoop()
    {
        // A one-member view sequences and delivers one send window per flush: 1,000 messages with a window of 4 take
        // 250 rounds of one input, none of them a service reacting to its own deliveries.
        var (node, effects, now) = AloneInAView(o => o with { SendWindow = 4, SequencerWindow = 4 });
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(SubmitResult.Accepted, node.Membership.Submit(new byte[] { 1 }, force: true));
        }

        int before = effects.Kinds.Count(k => k == "event:Delivered");
        node.Flush(now);
        Assert.Equal(1000, effects.Kinds.Count(k => k == "event:Delivered") - before);
    }

    /// <summary>Node 1 of a two-node cluster whose node 2 never answers: after its join timeout it forms a view alone.</summary>
    private static (ClusterNode Node, RecordingEffects Effects, Instant Now) AloneInAView(
        Func<MembershipOptions, MembershipOptions>? tweak = null)
    {
        var options = new MembershipOptions { ClusterName = "test", Nodes = [new NodeId(1), new NodeId(2)] };
        options = tweak is null ? options : tweak(options);
        var effects = new RecordingEffects();
        var node = new ClusterNode(new MemberId(new NodeId(1), 1), options, 0, effects);
        var now = Start;
        node.Start(now);
        var deadline = now + TimeSpan.FromSeconds(5);
        while (node.Membership.CurrentView is null && now < deadline)
        {
            now += TimeSpan.FromMilliseconds(5);
            if (now >= node.NextDeadline)
            {
                node.Tick(now);
            }
        }

        Assert.NotNull(node.Membership.CurrentView);
        return (node, effects, now);
    }

    private sealed class RecordingEffects : INodeEffects
    {
        public List<string> Log { get; } = [];
        public List<string> Kinds { get; } = [];
        public List<GroupEvent> GroupEvents { get; } = [];
        public Action<MembershipEvent>? OnDelivered { get; set; }

        public void PersistViewSequence(ulong mark) => Log.Add("persist");

        public void Send(NodeId destination, byte[] buffer, int length) => Log.Add("send");

        public void SendsDone() => Log.Add("sends-done");

        public void OnEvent(in MembershipEvent ev, IReadOnlyList<GroupEvent> groupEvents)
        {
            Log.Add("event");
            Kinds.Add($"event:{ev.Kind}");
            GroupEvents.AddRange(groupEvents);
            if (ev.Kind == MembershipEventKind.Delivered)
            {
                OnDelivered?.Invoke(ev);
            }
        }

        public void OnLocalEvents(IReadOnlyList<GroupEvent> groupEvents) => GroupEvents.AddRange(groupEvents);
    }
}
