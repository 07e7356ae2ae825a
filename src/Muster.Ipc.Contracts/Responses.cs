using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>The daemon accepts a <see cref="HelloRequest"/>: the version it chose and who it is.</summary>
/// <param name="Version">The protocol version both sides now speak.</param>
/// <param name="NodeId">The daemon's node id.</param>
/// <param name="NodeName">The daemon's node name.</param>
/// <param name="ClusterName">The cluster's name.</param>
/// <param name="MaxMessageSize">The largest group message payload the daemon accepts, in bytes.</param>
public sealed record HelloOkResponse(ushort Version, NodeId NodeId, string NodeName, string ClusterName, int MaxMessageSize)
    : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.HelloOk;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteUInt16(Version);
        writer.WriteNode(NodeId);
        writer.WriteString(NodeName);
        writer.WriteString(ClusterName);
        writer.WriteUInt32((uint)MaxMessageSize);
    }

    internal static HelloOkResponse Read(ref FrameReader r)
    {
        ushort version = r.ReadUInt16("version");
        var node = r.ReadNode("nodeId");
        string nodeName = r.ReadString("nodeName");
        string clusterName = r.ReadString("clusterName");
        uint maxMessage = r.ReadUInt32("maxMessageSize");
        if (maxMessage > int.MaxValue)
        {
            r.Fail($"maxMessageSize {maxMessage} is out of range");
        }

        return new HelloOkResponse(version, node, nodeName, clusterName, (int)maxMessage);
    }
}

/// <summary>The request succeeded and has nothing to return.</summary>
public sealed record OkResponse : IpcResponse
{
    /// <summary>The one instance (the message has no fields).</summary>
    public static OkResponse Instance { get; } = new();

    /// <inheritdoc/>
    public override MessageType Type => MessageType.Ok;

    internal override void WriteBody(ref FrameWriter writer)
    {
    }
}

/// <summary>The request failed; or, with request id 0, the daemon is about to close the connection and says why.</summary>
/// <param name="Code">What went wrong.</param>
/// <param name="Message">Details for a person.</param>
public sealed record ErrorResponse(ErrorCode Code, string Message) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.Error;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteUInt16((ushort)Code);
        writer.WriteString(Message);
    }

    // Codes this build does not know still decode: a newer daemon may send them, and the client treats them as
    // failures all the same.
    internal static ErrorResponse Read(ref FrameReader r) => new((ErrorCode)r.ReadUInt16("code"), r.ReadString("message"));
}

/// <summary>Answers <see cref="GetStatusRequest"/>: what <c>muster status</c> prints.</summary>
/// <param name="NodeId">This node's id.</param>
/// <param name="NodeName">This node's name.</param>
/// <param name="ClusterName">The cluster's name.</param>
/// <param name="ViewId">The installed view.</param>
/// <param name="State">The daemon's state in words (for example "operational", "gathering").</param>
/// <param name="ProtocolVersion">The cluster wire protocol version the members agreed on.</param>
/// <param name="Members">The members of the installed view.</param>
/// <param name="Timeouts">The effective timeouts, by name (for example "token").</param>
/// <param name="Counters">Counters, by name (for example "messages_sent").</param>
/// <param name="Peers">
/// Counters per configured peer, by node id; null when the daemon does not report them (one from before they
/// existed, whose frame ends after <paramref name="Counters"/>).
/// </param>
public sealed record StatusResponse(
    NodeId NodeId,
    string NodeName,
    string ClusterName,
    ViewId ViewId,
    string State,
    ushort ProtocolVersion,
    IReadOnlyList<MemberInfo> Members,
    IReadOnlyList<KeyValuePair<string, TimeSpan>> Timeouts,
    IReadOnlyList<KeyValuePair<string, long>> Counters,
    IReadOnlyList<PeerCounters>? Peers = null) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.StatusResult;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteNode(NodeId);
        writer.WriteString(NodeName);
        writer.WriteString(ClusterName);
        writer.WriteViewId(ViewId);
        writer.WriteString(State);
        writer.WriteUInt16(ProtocolVersion);
        WireModel.WriteMembers(ref writer, Members);
        writer.WriteCount(Timeouts.Count);
        foreach (var (name, value) in Timeouts)
        {
            writer.WriteString(name);
            writer.WriteTimeSpan(value);
        }

        writer.WriteCount(Counters.Count);
        foreach (var (name, value) in Counters)
        {
            writer.WriteString(name);
            writer.WriteInt64(value);
        }

        // Last and optional: a daemon from before per-peer counters ends the frame above, and still decodes.
        if (Peers is not null)
        {
            PeerCounters.WriteList(ref writer, Peers);
        }
    }

    internal static StatusResponse Read(ref FrameReader r)
    {
        var node = r.ReadNode("nodeId");
        string nodeName = r.ReadString("nodeName");
        string clusterName = r.ReadString("clusterName");
        var viewId = r.ReadViewId("viewId");
        string state = r.ReadString("state");
        ushort protocolVersion = r.ReadUInt16("protocolVersion");
        var members = WireModel.ReadMembers(ref r);
        int timeoutCount = r.ReadCount(WireModel.MinNamedValueSize, "timeouts");
        var timeouts = timeoutCount == 0 ? [] : new KeyValuePair<string, TimeSpan>[timeoutCount];
        for (int i = 0; i < timeoutCount && !r.Failed; i++)
        {
            timeouts[i] = new(r.ReadString("timeout.name"), r.ReadTimeSpan("timeout.value"));
        }

        int counterCount = r.ReadCount(WireModel.MinNamedValueSize, "counters");
        var counters = counterCount == 0 ? [] : new KeyValuePair<string, long>[counterCount];
        for (int i = 0; i < counterCount && !r.Failed; i++)
        {
            counters[i] = new(r.ReadString("counter.name"), r.ReadInt64("counter.value"));
        }

        var peers = r.Remaining == 0 || r.Failed ? null : PeerCounters.ReadList(ref r);
        return new StatusResponse(node, nodeName, clusterName, viewId, state, protocolVersion, members, timeouts, counters, peers);
    }
}

/// <summary>Answers <see cref="GetMembersRequest"/> with the installed view.</summary>
/// <param name="View">The view.</param>
public sealed record MembersResponse(ClusterView View) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.MembersResult;

    internal override void WriteBody(ref FrameWriter writer) => WireModel.WriteView(ref writer, View);

    internal static MembersResponse Read(ref FrameReader r) => new(WireModel.ReadView(ref r));
}

/// <summary>Answers <see cref="GetGroupsRequest"/>.</summary>
/// <param name="Groups">Every group with at least one process, cluster-wide.</param>
public sealed record GroupsResponse(IReadOnlyList<GroupSummary> Groups) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupsResult;

    internal override void WriteBody(ref FrameWriter writer)
    {
        writer.WriteCount(Groups.Count);
        foreach (var g in Groups)
        {
            writer.WriteString(g.Name);
            writer.WriteUInt32((uint)g.MemberCount);
        }
    }

    internal static GroupsResponse Read(ref FrameReader r)
    {
        int count = r.ReadCount(WireModel.MinGroupSummarySize, "groups");
        var groups = count == 0 ? [] : new GroupSummary[count];
        for (int i = 0; i < count && !r.Failed; i++)
        {
            string name = r.ReadString("group.name");
            uint members = r.ReadUInt32("group.memberCount");
            if (members > int.MaxValue)
            {
                r.Fail($"group.memberCount {members} is out of range");
            }

            groups[i] = new GroupSummary(name, (int)members);
        }

        return new GroupsResponse(groups);
    }
}

/// <summary>Answers <see cref="GetGroupMembersRequest"/>.</summary>
/// <param name="Members">The group's processes, cluster-wide.</param>
public sealed record GroupMembersResponse(IReadOnlyList<GroupMember> Members) : IpcResponse
{
    /// <inheritdoc/>
    public override MessageType Type => MessageType.GroupMembersResult;

    internal override void WriteBody(ref FrameWriter writer) => WireModel.WriteGroupMembers(ref writer, Members);

    internal static GroupMembersResponse Read(ref FrameReader r) => new(WireModel.ReadGroupMembers(ref r, "members"));
}
