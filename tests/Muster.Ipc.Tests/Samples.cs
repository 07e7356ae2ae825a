using Muster.Core;
using Muster.Ipc.Contracts;

namespace Muster.Ipc.Tests;

// One representative, field-rich instance of every message type, for round-trip and corruption tests.
internal static class Samples
{
    public static readonly ViewId View = new(0x1c, new NodeId(1));

    public static MemberInfo Member(uint node, MemberState state = MemberState.Member) =>
        new(new NodeId(node), 100 + node, $"node{node}", [$"10.0.0.{node}:5405", $"[fd00::{node}]:5405"], state,
            node % 2 == 0 ? null : new ViewId(3, new NodeId(1)));

    public static ClusterView ClusterView() => new(View, [Member(1), Member(2), Member(3, MemberState.Leaving)]);

    public static IpcMessage For(MessageType type) => type switch
    {
        MessageType.Hello => new HelloRequest(1, 3, "unit-test ✓"),
        MessageType.GetStatus => GetStatusRequest.Instance,
        MessageType.GetMembers => GetMembersRequest.Instance,
        MessageType.TrackMembership => new TrackMembershipRequest(TrackFlags.Current | TrackFlags.ChangesOnly),
        MessageType.StopTrackMembership => StopTrackMembershipRequest.Instance,
        MessageType.GroupJoin => new GroupJoinRequest("locks"),
        MessageType.GroupLeave => new GroupLeaveRequest("locks"),
        MessageType.GroupSend => new GroupSendRequest("locks", GroupSendFlags.NoWait, new byte[] { 1, 2, 3, 0, 255 }),
        MessageType.GetGroups => GetGroupsRequest.Instance,
        MessageType.GetGroupMembers => new GetGroupMembersRequest("locks"),
        MessageType.LeaveCluster => LeaveClusterRequest.Instance,
        MessageType.GetKeys => GetKeysRequest.Instance,
        MessageType.KeyOperation => new KeyOperationRequest(KeyOperation.Activate),
        MessageType.GetLinks => GetLinksRequest.Instance,
        MessageType.GetRefusals => GetRefusalsRequest.Instance,
        MessageType.HelloOk => new HelloOkResponse(1, new NodeId(7), "node7", "prod", 1 << 20),
        MessageType.Ok => OkResponse.Instance,
        MessageType.Error => new ErrorResponse(ErrorCode.TryAgain, "send queue full"),
        MessageType.StatusResult => new StatusResponse(
            new NodeId(7), "node7", "prod", View, "operational", 2, [Member(1), Member(8)],
            [new("token", TimeSpan.FromMilliseconds(3000)), new("join", TimeSpan.FromMilliseconds(50))],
            [new("messages_sent", 12345), new("retransmits", -1)],
            [new PeerCounters(new NodeId(1), "node1", [new(PeerCounters.DeclaredFailedWhileLinkUp, 2)]),
                new PeerCounters(new NodeId(8), "node8", [])]),
        MessageType.MembersResult => new MembersResponse(ClusterView()),
        MessageType.GroupsResult => new GroupsResponse([new GroupSummary("locks", 3), new GroupSummary("ä-group", 1)]),
        MessageType.GroupMembersResult => new GroupMembersResponse([new(new NodeId(1), 4000), new(new NodeId(2), 4001)]),
        MessageType.KeysResult => new KeysResponse(true,
            [new KeyInfo(0xdeadbeef, KeyRole.Current, "/etc/muster/authkey"), new KeyInfo(0x01020304, KeyRole.Previous, "/etc/muster/authkey")],
            "now sealing with key deadbeef"),
        MessageType.LinksResult => new LinksResponse("passive", 1372,
            [new PeerLinks(new NodeId(2), "node2",
                [new LinkInfo(0, "10.0.0.1:5405", "10.0.0.2:5405", true, true, 2, 1500, TimeSpan.FromTicks(1234),
                    TimeSpan.FromSeconds(90), 1, 0, 900, 899),
                 new LinkInfo(1, "[fe80::1%2]:5405", "[fe80::2%2]:5405", false, false, 1, 9000, null,
                    TimeSpan.FromMilliseconds(250), 3, 3, 900, 600)]),
             new PeerLinks(new NodeId(3), "node3", [])]),
        MessageType.RefusalsResult => new RefusalsResponse(
            [new RefusalInfo(new NodeId(3), "node3", "10.0.0.3:5405", RefusalDirection.Inbound, RefusalReason.NodeList,
                "we refuse its packets: its node list differs from ours (it lists nodes 1,3; we list 1,2,3)", TimeSpan.FromMilliseconds(120), 42),
             new RefusalInfo(NodeId.None, "", "[fd00::9]:5405", RefusalDirection.Inbound, RefusalReason.UnknownAddress,
                "we drop its datagrams: this address is not in our node list", TimeSpan.FromSeconds(3), 7),
             new RefusalInfo(new NodeId(2), "node2", "10.0.0.2:5405", RefusalDirection.Outbound, (RefusalReason)200,
                "a reason from a newer daemon", TimeSpan.Zero, 1)]),
        MessageType.MembershipChanged => new MembershipChangedEvent(
            ClusterView(),
            [new MemberChange(new NodeId(3), 103, "node3", MembershipChange.Joined, string.Empty),
             new MemberChange(new NodeId(4), 104, "node4", MembershipChange.Failed, "token timeout")]),
        MessageType.GroupMessage => new GroupMessageEvent("locks", new GroupMember(new NodeId(2), 4001), new byte[] { 9, 8, 7 }),
        MessageType.GroupMessageOutcomeUnknown => new GroupMessageOutcomeUnknownEvent("locks", new GroupMember(new NodeId(2), 4001), new byte[] { 6, 5 }),
        MessageType.GroupMembershipChanged => new GroupMembershipChangedEvent(
            "locks", View,
            [new(new NodeId(1), 4000), new(new NodeId(2), 4001)],
            [new GroupMemberChange(new GroupMember(new NodeId(2), 4001), GroupChangeReason.Join)],
            [new GroupMemberChange(new GroupMember(new NodeId(3), 4002), GroupChangeReason.NodeDown),
             new GroupMemberChange(new GroupMember(new NodeId(1), 4003), GroupChangeReason.ProcessDown)]),
        MessageType.GetQuorum => GetQuorumRequest.Instance,
        MessageType.TrackQuorum => TrackQuorumRequest.Instance,
        MessageType.StopTrackQuorum => StopTrackQuorumRequest.Instance,
        MessageType.SetQuorum => new SetQuorumRequest(QuorumSetting.NodeVotes, new NodeId(3), 2),
        MessageType.QuorumResult => new QuorumResponse(Quorum()),
        MessageType.QuorumChangeResult => new QuorumChangeResponse("expected votes set to 2 (was 3)", Override: true),
        MessageType.QuorumChanged => new QuorumChangedEvent(Quorum() with { Quorate = false, Reason = (QuorumReason)200 }),
        MessageType.GetFencing => GetFencingRequest.Instance,
        MessageType.Fence => new FenceRequest(new NodeId(3), false, "off", Force: true),
        MessageType.FencingResult => new FencingResponse(
            [new FencePendingInfo(new NodeId(3), "node3", 7, "reboot", 2, new NodeId(2), "membership")],
            [(new NodeId(3), 7ul)],
            [new FenceHistoryInfo(TimeSpan.FromSeconds(12), new NodeId(3), "node3", 7, 1, "ipmi3", "reboot", "failed", TimeSpan.FromSeconds(20),
                new NodeId(1), "membership", "Unable to connect/login to fencing device ✗")]),
        MessageType.TrackRecovery => TrackRecoveryRequest.Instance,
        MessageType.StopTrackRecovery => StopTrackRecoveryRequest.Instance,
        MessageType.NodeRecoverable => new NodeRecoverableEvent(new NodeId(3), "node3", 7, "fenced", View),
        MessageType.FenceChangeResult => new FenceChangeResponse("fencing node 3 \"node3\" (off)"),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no sample"),
    };

    public static QuorumInfo Quorum() => new(View, true, 3, 4, 2, 2, QuorumFlags.Quorate | QuorumFlags.WaitForAll | (QuorumFlags)0x8000,
        QuorumReason.EnoughVotes, true, [new QuorumNode(new NodeId(1), "node1", 1, 3), new QuorumNode(new NodeId(2), "ä-node", 2, 0)]);

    public static TheoryData<MessageType> AllTypes() => [.. Enum.GetValues<MessageType>()];
}
