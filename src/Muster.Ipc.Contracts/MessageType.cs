namespace Muster.Ipc.Contracts;

/// <summary>The u16 that starts every frame body and says how to read the rest.</summary>
/// <remarks>
/// Requests (client to daemon) are 0x0001-0x7FFF, responses 0x8001-0xBFFF, events 0xC001-0xFFFF. Part of the wire
/// protocol: never renumber.
/// </remarks>
public enum MessageType : ushort
{
    /// <summary><see cref="HelloRequest"/>.</summary>
    Hello = 0x0001,
    /// <summary><see cref="GetStatusRequest"/>.</summary>
    GetStatus = 0x0002,
    /// <summary><see cref="GetMembersRequest"/>.</summary>
    GetMembers = 0x0003,
    /// <summary><see cref="TrackMembershipRequest"/>.</summary>
    TrackMembership = 0x0004,
    /// <summary><see cref="StopTrackMembershipRequest"/>.</summary>
    StopTrackMembership = 0x0005,
    /// <summary><see cref="GroupJoinRequest"/>.</summary>
    GroupJoin = 0x0006,
    /// <summary><see cref="GroupLeaveRequest"/>.</summary>
    GroupLeave = 0x0007,
    /// <summary><see cref="GroupSendRequest"/>.</summary>
    GroupSend = 0x0008,
    /// <summary><see cref="GetGroupsRequest"/>.</summary>
    GetGroups = 0x0009,
    /// <summary><see cref="GetGroupMembersRequest"/>.</summary>
    GetGroupMembers = 0x000A,
    /// <summary><see cref="LeaveClusterRequest"/>.</summary>
    LeaveCluster = 0x000B,
    /// <summary><see cref="GetKeysRequest"/>.</summary>
    GetKeys = 0x000C,
    /// <summary><see cref="KeyOperationRequest"/>.</summary>
    KeyOperation = 0x000D,
    /// <summary><see cref="GetLinksRequest"/>.</summary>
    GetLinks = 0x000E,
    /// <summary><see cref="GetRefusalsRequest"/>.</summary>
    GetRefusals = 0x000F,
    /// <summary><see cref="GetQuorumRequest"/>.</summary>
    GetQuorum = 0x0010,
    /// <summary><see cref="TrackQuorumRequest"/>.</summary>
    TrackQuorum = 0x0011,
    /// <summary><see cref="StopTrackQuorumRequest"/>.</summary>
    StopTrackQuorum = 0x0012,
    /// <summary><see cref="SetQuorumRequest"/>.</summary>
    SetQuorum = 0x0013,
    /// <summary><see cref="GetFencingRequest"/>.</summary>
    GetFencing = 0x0014,
    /// <summary><see cref="FenceRequest"/>.</summary>
    Fence = 0x0015,
    /// <summary><see cref="TrackRecoveryRequest"/>.</summary>
    TrackRecovery = 0x0016,
    /// <summary><see cref="StopTrackRecoveryRequest"/>.</summary>
    StopTrackRecovery = 0x0017,

    /// <summary><see cref="HelloOkResponse"/>.</summary>
    HelloOk = 0x8001,
    /// <summary><see cref="OkResponse"/>.</summary>
    Ok = 0x8002,
    /// <summary><see cref="ErrorResponse"/>.</summary>
    Error = 0x8003,
    /// <summary><see cref="StatusResponse"/>.</summary>
    StatusResult = 0x8004,
    /// <summary><see cref="MembersResponse"/>.</summary>
    MembersResult = 0x8005,
    /// <summary><see cref="GroupsResponse"/>.</summary>
    GroupsResult = 0x8006,
    /// <summary><see cref="GroupMembersResponse"/>.</summary>
    GroupMembersResult = 0x8007,
    /// <summary><see cref="KeysResponse"/>.</summary>
    KeysResult = 0x8008,
    /// <summary><see cref="LinksResponse"/>.</summary>
    LinksResult = 0x8009,
    /// <summary><see cref="RefusalsResponse"/>.</summary>
    RefusalsResult = 0x800A,
    /// <summary><see cref="QuorumResponse"/>.</summary>
    QuorumResult = 0x800B,
    /// <summary><see cref="QuorumChangeResponse"/>.</summary>
    QuorumChangeResult = 0x800C,
    /// <summary><see cref="FencingResponse"/>.</summary>
    FencingResult = 0x800D,
    /// <summary><see cref="FenceChangeResponse"/>.</summary>
    FenceChangeResult = 0x800E,

    /// <summary><see cref="MembershipChangedEvent"/>.</summary>
    MembershipChanged = 0xC001,
    /// <summary><see cref="GroupMessageEvent"/>.</summary>
    GroupMessage = 0xC002,
    /// <summary><see cref="GroupMembershipChangedEvent"/>.</summary>
    GroupMembershipChanged = 0xC003,
    /// <summary><see cref="GroupMessageOutcomeUnknownEvent"/>.</summary>
    GroupMessageOutcomeUnknown = 0xC004,
    /// <summary><see cref="QuorumChangedEvent"/>.</summary>
    QuorumChanged = 0xC005,
    /// <summary><see cref="NodeRecoverableEvent"/>.</summary>
    NodeRecoverable = 0xC006,
}

/// <summary>Which direction and role a <see cref="MessageType"/> has.</summary>
public enum MessageKind
{
    /// <summary>Client to daemon; answered with a response carrying the same request id.</summary>
    Request,
    /// <summary>Daemon to client, answering a request.</summary>
    Response,
    /// <summary>Daemon to client, unsolicited (request id 0).</summary>
    Event,
}

/// <summary>Helpers on <see cref="MessageType"/>.</summary>
public static class MessageTypeExtensions
{
    /// <summary>The kind of a message type, from its range.</summary>
    public static MessageKind GetKind(this MessageType type) => (ushort)type switch
    {
        < 0x8000 => MessageKind.Request,
        < 0xC000 => MessageKind.Response,
        _ => MessageKind.Event,
    };
}
