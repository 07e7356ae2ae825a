namespace Muster.Ipc.Contracts;

/// <summary>The first frame of every connection: the versions the client speaks and its name for the logs.</summary>
/// <param name="MinVersion">Lowest protocol version the client speaks.</param>
/// <param name="MaxVersion">Highest protocol version the client speaks.</param>
/// <param name="ClientName">A name for the daemon's logs, for example the program's name.</param>
public sealed record HelloRequest(ushort MinVersion, ushort MaxVersion, string ClientName) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Hello;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteUInt16(MinVersion);
        writer.WriteUInt16(MaxVersion);
        writer.WriteString(ClientName);
    }

    internal static HelloRequest Read(ref FrameReader r) =>
        new(r.ReadUInt16("minVersion"), r.ReadUInt16("maxVersion"), r.ReadString("clientName"));
}

/// <summary>Asks for the daemon's status; answered with <see cref="StatusResponse"/>.</summary>
public sealed record GetStatusRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetStatusRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetStatus;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Asks for the current view; answered with <see cref="MembersResponse"/>.</summary>
public sealed record GetMembersRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetMembersRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetMembers;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Starts membership tracking; answered with <see cref="OkResponse"/>, then <see cref="MembershipChangedEvent"/>s.</summary>
/// <param name="Flags">
/// <see cref="TrackFlags.Changes"/> or <see cref="TrackFlags.ChangesOnly"/>, optionally with <see cref="TrackFlags.Current"/>
/// for a first event carrying the current view with every member unchanged.
/// </param>
public sealed record TrackMembershipRequest(TrackFlags Flags) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.TrackMembership;

    internal override void WriteBody(ref FrameWriter writer) => writer.WriteByte((byte)Flags);

    /// <inheritdoc/>
    public override ErrorCode Validate(out string message) => IpcValidation.CheckTrackFlags(Flags, out message);

    // Unknown flag bits are a semantic error answered with BadFlags, not a framing error, so any byte decodes.
    internal static TrackMembershipRequest Read(ref FrameReader r) => new((TrackFlags)r.ReadByte("flags"));
}

/// <summary>Stops membership tracking; answered with <see cref="OkResponse"/>.</summary>
public sealed record StopTrackMembershipRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static StopTrackMembershipRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.StopTrackMembership;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Joins the calling process to a group (cpg_join).</summary>
/// <param name="Group">The group's name: 1 to <see cref="Muster.Core.GroupName.MaxBytes"/> UTF-8 bytes.</param>
public sealed record GroupJoinRequest(string Group) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupJoin;

    internal override void WriteBody(ref FrameWriter writer) => writer.WriteString(Group);

    internal static GroupJoinRequest Read(ref FrameReader r) => new(r.ReadString("group"));
}

/// <summary>Takes the calling process out of a group (cpg_leave).</summary>
/// <param name="Group">The group's name.</param>
public sealed record GroupLeaveRequest(string Group) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupLeave;

    internal override void WriteBody(ref FrameWriter writer) => writer.WriteString(Group);

    internal static GroupLeaveRequest Read(ref FrameReader r) => new(r.ReadString("group"));
}

/// <summary>Multicasts a message to a group the caller has joined (cpg_mcast_joined, always agreed order).</summary>
/// <param name="Group">The group's name.</param>
/// <param name="Flags">Whether to wait for room in the send queue.</param>
/// <param name="Payload">The message; at most the daemon's maximum message size.</param>
public sealed record GroupSendRequest(string Group, GroupSendFlags Flags, ReadOnlyMemory<byte> Payload) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupSend;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteString(Group);
        writer.WriteByte((byte)Flags);
        writer.WriteBlob(Payload.Span);
    }

    /// <inheritdoc/>
    /// <remarks>The payload's size is the group service's rule (limits.max_message_size), checked there.</remarks>
    public override ErrorCode Validate(out string message)
    {
        if ((Flags & ~GroupSendFlags.NoWait) != 0)
        {
            message = $"unknown send flags 0x{(byte)Flags:x2}";
            return ErrorCode.BadFlags;
        }

        message = string.Empty;
        return ErrorCode.Ok;
    }

    internal static GroupSendRequest Read(ref FrameReader r)
    {
        string group = r.ReadString("group");
        var flags = (GroupSendFlags)r.ReadByte("flags");
        byte[] payload = r.ReadBlob("payload");
        return new GroupSendRequest(group, flags, payload);
    }
}

/// <summary>Lists the cluster's groups (cpg_iteration_*); answered with <see cref="GroupsResponse"/>.</summary>
public sealed record GetGroupsRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static GetGroupsRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetGroups;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>Lists a group's processes (cpg_membership_get); answered with <see cref="GroupMembersResponse"/>.</summary>
/// <param name="Group">The group's name.</param>
public sealed record GetGroupMembersRequest(string Group) : IpcRequest
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GetGroupMembers;

    internal override void WriteBody(ref FrameWriter writer) => writer.WriteString(Group);

    internal static GetGroupMembersRequest Read(ref FrameReader r) => new(r.ReadString("group"));
}

/// <summary>Asks the daemon to leave the cluster in an orderly way and exit; answered with <see cref="OkResponse"/> first.</summary>
public sealed record LeaveClusterRequest : IpcRequest
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static LeaveClusterRequest Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.LeaveCluster;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}
