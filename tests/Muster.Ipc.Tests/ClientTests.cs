using Muster.Client;
using Muster.Core;
using Muster.Ipc.Contracts;
using ClusterView = Muster.Client.ClusterView;
using ErrorCode = Muster.Client.ErrorCode;
using GroupChangeReason = Muster.Client.GroupChangeReason;
using GroupMember = Muster.Client.GroupMember;
using GroupSummary = Muster.Client.GroupSummary;
using MembershipChange = Muster.Client.MembershipChange;
using MemberState = Muster.Client.MemberState;
using TrackFlags = Muster.Client.TrackFlags;
using W = Muster.Ipc.Contracts;

namespace Muster.Ipc.Tests;

// MusterClient against the real server and the fake daemon, one call at a time.
public class ClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectAsync_DaemonRunning_ReportsIdentityFromHandshake()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        var session = await server.NextConnectedAsync();

        Assert.Equal(FakeDaemon.LocalNode, client.NodeId);
        Assert.Equal("node7", client.NodeName);
        Assert.Equal("test-cluster", client.ClusterName);
        Assert.Equal(IpcProtocol.CurrentVersion, client.ProtocolVersion);
        Assert.Equal(IpcProtocol.DefaultMaxMessageSize, client.MaxMessageSize);
        Assert.True(client.IsConnected);
        Assert.Equal("ipc-tests", session.ClientName);
        Assert.Equal(IpcProtocol.CurrentVersion, session.ProtocolVersion);
    }

    [Fact]
    public async Task ConnectAsync_NoDaemon_ThrowsNotConnectedNamingThePath()
    {
        var directory = Directory.CreateTempSubdirectory("muster-ipc-");
        string path = Path.Combine(directory.FullName, "absent.sock");
        try
        {
            var ex = await Assert.ThrowsAsync<MusterNotConnectedException>(
                () => MusterClient.ConnectAsync(new MusterClientOptions { SocketPath = path }, Ct));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains("is musterd running?", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task GetStatusAsync_Connected_ReturnsDaemonStatus()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        var status = await client.GetStatusAsync(Ct);

        Assert.Equal(FakeDaemon.LocalNode, status.NodeId);
        Assert.Equal("test-cluster", status.ClusterName);
        Assert.Equal(Samples.View, status.ViewId);
        Assert.Equal("operational", status.State);
        Assert.Equal(3, status.Members.Count);
        Assert.Equal(new KeyValuePair<string, TimeSpan>("token", TimeSpan.FromSeconds(3)), status.Timeouts[0]);
        Assert.Equal(42, status.Counters[0].Value);
    }

    [Fact]
    public async Task GetCurrentViewAsync_Connected_ReturnsInstalledView()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        var view = await client.Membership.GetCurrentViewAsync(Ct);

        Assert.Equal(Samples.View, view.ViewId);
        Assert.Equal([1u, 2u, 3u], view.Members.Select(m => m.NodeId.Value));
        Assert.Equal(MemberState.Leaving, view.Members[2].State);
    }

    [Fact]
    public async Task TrackAsync_CurrentAndChanges_YieldsCurrentThenEveryMemberWithItsChange()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        await using var stream = client.Membership.TrackAsync(TrackFlags.Current | TrackFlags.Changes, Ct).GetAsyncEnumerator(Ct);

        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(TestServer.Deadline, Ct));
        var current = stream.Current;
        Assert.Equal(Samples.View, current.ViewId);
        Assert.All(current.Items, i => Assert.Equal(MembershipChange.NoChange, i.Change));
        Assert.Equal(3, current.MemberCount);

        // Node 3 failed, node 4 joined.
        var next = new W.ClusterView(new ViewId(Samples.View.Sequence + 1, new NodeId(1)), [Samples.Member(1), Samples.Member(2), Samples.Member(4)]);
        server.Daemon.PublishViewChange(next,
        [
            new MemberChange(new NodeId(4), 104, "node4", W.MembershipChange.Joined, string.Empty),
            new MemberChange(new NodeId(3), 103, "node3", W.MembershipChange.Failed, "token timeout"),
        ]);

        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(TestServer.Deadline, Ct));
        var changed = stream.Current;
        Assert.Equal(next.ViewId, changed.ViewId);
        Assert.Equal(3, changed.MemberCount);
        Assert.Equal(
            [(1u, MembershipChange.NoChange), (2u, MembershipChange.NoChange), (4u, MembershipChange.Joined), (3u, MembershipChange.Failed)],
            changed.Items.Select(i => (i.Member.NodeId.Value, i.Change)));
        Assert.Equal(MemberState.Failed, changed.Items[3].Member.State);
        Assert.Equal("token timeout", changed.Items[3].Reason);
    }

    [Fact]
    public async Task TrackAsync_ChangesOnly_YieldsOnlyChangedMembers()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        await using var stream = client.Membership.TrackAsync(TrackFlags.ChangesOnly, Ct).GetAsyncEnumerator(Ct);
        var first = stream.MoveNextAsync().AsTask();
        await server.Daemon.TrackerAdded.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestServer.Deadline, Ct);

        var next = new W.ClusterView(new ViewId(Samples.View.Sequence + 1, new NodeId(1)), [Samples.Member(1), Samples.Member(2)]);
        server.Daemon.PublishViewChange(next, [new MemberChange(new NodeId(3), 103, "node3", W.MembershipChange.Left, "shutdown")]);

        Assert.True(await first.WaitAsync(TestServer.Deadline, Ct));
        var item = Assert.Single(stream.Current.Items);
        Assert.Equal(MembershipChange.Left, item.Change);
        Assert.Equal(MemberState.Left, item.Member.State);
        Assert.Equal("node3", item.Member.Name);
        Assert.Equal(2, stream.Current.MemberCount);
    }

    [Fact]
    public async Task TrackAsync_CurrentOnly_YieldsOneNotificationAndEnds()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        var all = await client.Membership.TrackAsync(TrackFlags.Current, Ct).ToListAsync(Ct).AsTask().WaitAsync(TestServer.Deadline, Ct);

        var only = Assert.Single(all);
        Assert.Equal(3, only.Items.Count);
    }

    [Theory]
    [InlineData(TrackFlags.Changes | TrackFlags.ChangesOnly)]
    [InlineData(TrackFlags.None)]
    [InlineData((TrackFlags)0x40)]
    public async Task TrackAsync_InvalidFlags_ThrowsArgumentExceptionAtOnce(TrackFlags flags)
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        Assert.Throws<ArgumentException>(() => client.Membership.TrackAsync(flags, Ct));
    }

    [Fact]
    public async Task TrackAsync_StreamDisposed_StopsTrackingAtTheDaemon()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        await using (var stream = client.Membership.TrackAsync(TrackFlags.Current | TrackFlags.Changes, Ct).GetAsyncEnumerator(Ct))
        {
            Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(TestServer.Deadline, Ct));
        }

        while (true)
        {
            var (_, _, request) = await server.Daemon.Requests.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestServer.Deadline, Ct);
            if (request is StopTrackMembershipRequest)
            {
                break;
            }
        }
    }

    [Fact]
    public async Task JoinAsync_NewGroup_ListAndGetMembersSeeIt()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        var session = await server.NextConnectedAsync();

        await using var group = await client.Groups.JoinAsync("locks", Ct);
        var groups = await client.Groups.ListAsync(Ct);
        var members = await client.Groups.GetMembersAsync("locks", Ct);

        Assert.Equal("locks", group.Name);
        Assert.True(group.IsJoined);
        Assert.Equal(new GroupSummary("locks", 1), Assert.Single(groups));
        Assert.Equal(FakeDaemon.Member(session).ToClient(), Assert.Single(members));
    }

    [Fact]
    public async Task JoinAsync_AlreadyJoinedByThisClient_ThrowsExist()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        await using var group = await client.Groups.JoinAsync("locks", Ct);

        var ex = await Assert.ThrowsAsync<MusterException>(() => client.Groups.JoinAsync("locks", Ct));

        Assert.Equal(ErrorCode.Exist, ex.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    public async Task JoinAsync_InvalidName_ThrowsArgumentException(string name)
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => client.Groups.JoinAsync(name, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => client.Groups.JoinAsync(new string('n', 129), Ct));
    }

    [Fact]
    public async Task GetMembersAsync_UnknownGroup_ThrowsNotExist()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        var ex = await Assert.ThrowsAsync<MusterException>(() => client.Groups.GetMembersAsync("nobody-here", Ct));

        Assert.Equal(ErrorCode.NotExist, ex.Code);
        Assert.Contains("nobody-here", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_InterleavedGroups_EachStreamGetsItsOwnEventsInOrder()
    {
        const int count = 200;
        await using var server = TestServer.Start();
        await using var a = await server.ConnectAsync();
        await using var b = await server.ConnectAsync();
        var sessionA = await server.NextConnectedAsync();
        await using var aRed = await a.Groups.JoinAsync("red", Ct);
        await using var aBlue = await a.Groups.JoinAsync("blue", Ct);
        await using var bRed = await b.Groups.JoinAsync("red", Ct);

        var sending = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                await aRed.SendAsync(BitConverter.GetBytes(i), Ct);
                await aBlue.SendAsync(BitConverter.GetBytes(-i), Ct);
            }
        }, Ct);

        var bRedMessages = await ReadMessagesAsync(bRed, count).WaitAsync(TestServer.Deadline, Ct);
        var aBlueMessages = await ReadMessagesAsync(aBlue, count).WaitAsync(TestServer.Deadline, Ct);
        var aRedMessages = await ReadMessagesAsync(aRed, count).WaitAsync(TestServer.Deadline, Ct);
        await sending.WaitAsync(TestServer.Deadline, Ct);

        Assert.Equal(Enumerable.Range(0, count), bRedMessages.Select(m => BitConverter.ToInt32(m.Payload.Span)));
        Assert.Equal(Enumerable.Range(0, count), aRedMessages.Select(m => BitConverter.ToInt32(m.Payload.Span)));
        Assert.Equal(Enumerable.Range(0, count).Select(i => -i), aBlueMessages.Select(m => BitConverter.ToInt32(m.Payload.Span)));
        Assert.All(bRedMessages, m => Assert.Equal(FakeDaemon.Member(sessionA).ToClient(), m.Sender));
        Assert.All(aBlueMessages, m => Assert.Equal("blue", m.Group));
    }

    [Fact]
    public async Task ReadEventsAsync_AnotherProcessJoins_SeesMembershipChangeWithReason()
    {
        await using var server = TestServer.Start();
        await using var a = await server.ConnectAsync();
        await using var b = await server.ConnectAsync();
        await using var aGroup = await a.Groups.JoinAsync("g", Ct);
        await using var events = aGroup.ReadEventsAsync(Ct).GetAsyncEnumerator(Ct);

        var own = await NextAsync<GroupMembershipChange>(events);
        Assert.Single(own.Joined);
        await using var bGroup = await b.Groups.JoinAsync("g", Ct);
        var other = await NextAsync<GroupMembershipChange>(events);
        await bGroup.LeaveAsync(Ct);
        var left = await NextAsync<GroupMembershipChange>(events);

        Assert.Equal(2, other.Members.Count);
        Assert.Equal(GroupChangeReason.Join, Assert.Single(other.Joined).Reason);
        Assert.Equal(Samples.View, other.ViewId);
        Assert.Equal(GroupChangeReason.Leave, Assert.Single(left.Left).Reason);
        Assert.Single(left.Members);
        Assert.False(bGroup.IsJoined);
    }

    [Fact]
    public async Task TrySendAsync_SendQueueFull_ReturnsTryAgain()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        await using var group = await client.Groups.JoinAsync("g", Ct);

        Assert.Equal(SendResult.Sent, await group.TrySendAsync(new byte[] { 1 }, Ct));
        server.Daemon.SendQueueFull = true;
        Assert.Equal(SendResult.TryAgain, await group.TrySendAsync(new byte[] { 2 }, Ct));
    }

    [Fact]
    public async Task SendAsync_MessageAboveMaximum_ThrowsTooBig()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        await using var group = await client.Groups.JoinAsync("g", Ct);

        var ex = await Assert.ThrowsAsync<MusterException>(() => group.SendAsync(new byte[client.MaxMessageSize + 1], Ct).AsTask());

        Assert.Equal(ErrorCode.TooBig, ex.Code);
    }

    [Fact]
    public async Task SendAsync_AfterLeave_ThrowsNotExist()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        var group = await client.Groups.JoinAsync("g", Ct);
        await group.LeaveAsync(Ct);

        var ex = await Assert.ThrowsAsync<MusterException>(() => group.SendAsync(new byte[] { 1 }, Ct).AsTask());

        Assert.Equal(ErrorCode.NotExist, ex.Code);
        Assert.Empty(await client.Groups.ListAsync(Ct));
    }

    [Fact]
    public async Task LeaveClusterAsync_Connected_DaemonIsAsked()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        await client.LeaveClusterAsync(Ct);

        await server.Daemon.LeaveRequested.Task.WaitAsync(TestServer.Deadline, Ct);
    }

    [Fact]
    public async Task DisposeAsync_WhileReading_CompletesStreamsAndDaemonSeesDisconnect()
    {
        await using var server = TestServer.Start();
        var client = await server.ConnectAsync();
        var session = await server.NextConnectedAsync();
        var group = await client.Groups.JoinAsync("g", Ct);
        var reading = group.ReadEventsAsync(Ct).ToListAsync(Ct).AsTask();

        await client.DisposeAsync();

        var events = await reading.WaitAsync(TestServer.Deadline, Ct);
        Assert.IsType<GroupMembershipChange>(Assert.Single(events));
        var (gone, reason) = await server.NextDisconnectedAsync();
        Assert.Same(session, gone);
        Assert.Contains("closed", reason, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetStatusAsync(Ct));
    }

    [Fact]
    public async Task ServerStops_WhileReading_StreamThrowsNotConnectedAndCallsFail()
    {
        var server = TestServer.Start();
        await using var client = await server.ConnectAsync();
        await using var group = await client.Groups.JoinAsync("g", Ct);
        var reading = group.ReadEventsAsync(Ct).ToListAsync(Ct).AsTask();

        await server.DisposeAsync();

        await Assert.ThrowsAsync<MusterNotConnectedException>(() => reading.WaitAsync(TestServer.Deadline, Ct));
        await Assert.ThrowsAsync<MusterNotConnectedException>(() => client.GetStatusAsync(Ct));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task ReadEventsAsync_ApplicationNotReading_DaemonSeesHighWaterThenDrained()
    {
        const int payloadSize = 256 * 1024;
        await using var server = TestServer.Start(path => TestServer.Defaults(path, highWaterMark: 4, eventQueueLimit: 1000));
        await using var client = await server.ConnectAsync(eventBufferCapacity: 2);
        var session = await server.NextConnectedAsync();
        await using var group = await client.Groups.JoinAsync("g", Ct);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Drained += _ => drained.TrySetResult();

        // The client buffers 2 events and holds one more; then it stops reading the socket, the socket fills, and
        // the daemon's queue for it climbs to the high-water mark.
        int sent = 0;
        EnqueueResult result;
        do
        {
            result = session.TryEnqueueEvent(new GroupMessageEvent("g", new W.GroupMember(new NodeId(1), 1), BitConverter.GetBytes(sent).Concat(new byte[payloadSize]).ToArray()));
            Assert.NotEqual(EnqueueResult.Overflow, result);
            sent++;
        }
        while (result != EnqueueResult.AboveHighWater && sent < 500);
        Assert.Equal(EnqueueResult.AboveHighWater, result);

        // Now the application reads: everything arrives in order and the daemon hears the queue drained.
        var messages = await ReadMessagesAsync(group, sent).WaitAsync(TestServer.Deadline, Ct);
        var received = messages.Select(m => BitConverter.ToInt32(m.Payload.Span)).ToList();

        await drained.Task.WaitAsync(TestServer.Deadline, Ct);
        Assert.Equal(Enumerable.Range(0, sent), received);
        Assert.False(session.IsAboveHighWater);
    }

    private static async Task<List<GroupMessage>> ReadMessagesAsync(ProcessGroup group, int count)
    {
        var messages = new List<GroupMessage>();
        await foreach (var e in group.ReadEventsAsync(Ct).WithCancellation(Ct))
        {
            if (e is GroupMessage m)
            {
                messages.Add(m);
                if (messages.Count == count)
                {
                    break;
                }
            }
        }

        return messages;
    }

    private static async Task<T> NextAsync<T>(IAsyncEnumerator<GroupEvent> events)
        where T : GroupEvent
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TestServer.Deadline, Ct));
        return Assert.IsType<T>(events.Current);
    }
}
