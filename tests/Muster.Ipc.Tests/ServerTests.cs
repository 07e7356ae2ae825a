using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Muster.Client;
using Muster.Core;
using Muster.Ipc.Contracts;
using ErrorCode = Muster.Ipc.Contracts.ErrorCode;
using GroupMember = Muster.Ipc.Contracts.GroupMember;
using TrackFlags = Muster.Ipc.Contracts.TrackFlags;

namespace Muster.Ipc.Tests;

// The server's defences, driven with raw sockets: bad frames, limits, slow clients, credentials, the socket file.
public class ServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PeerCredentials_OwnProcess_ReportsThisProcessPidAndUid()
    {
        await using var server = TestServer.Start();
        await using var client = await server.ConnectAsync();

        var session = await server.NextConnectedAsync();

        Assert.Equal(Environment.ProcessId, session.ProcessId);
        Assert.Equal(UnixAccounts.CurrentUserId, session.UserId);
        Assert.Equal(UnixAccounts.CurrentGroupId, session.GroupId);
    }

    [Fact]
    public async Task ClientConnectAndDisconnect_AreLoggedAtDebugLevel_NotInfo()
    {
        // Every CLI call connects and disconnects: at info level, a monitoring loop would flood the log.
        await using var server = TestServer.Start();
        await using (var client = await server.ConnectAsync())
        {
            await server.NextConnectedAsync();
        }

        await server.NextDisconnectedAsync();
        var lines = server.Log.Split('\n').Where(l => l.Contains(" connected (", StringComparison.Ordinal) ||
            l.Contains(" disconnected: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Contains(" DEBUG ipc: client ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MalformedFrame_AfterHello_ClosesOnlyThatConnection()
    {
        await using var server = TestServer.Start();
        await using var good = await server.ConnectAsync();
        var goodSession = await server.NextConnectedAsync();
        await using var bad = await server.ConnectRawAsync();
        await bad.HelloAsync();
        var badSession = await server.NextConnectedAsync();

        // A well-formed length and header with an unknown message type.
        await bad.SendAsync([6, 0, 0, 0, 0x34, 0x12, 9, 0, 0, 0]);

        var error = await bad.ReadCloseErrorAsync();
        Assert.Equal(ErrorCode.MessageError, error.Code);
        Assert.Contains("unknown message type 0x1234", error.Message, StringComparison.Ordinal);
        var (session, reason) = await server.NextDisconnectedAsync();
        Assert.Same(badSession, session);
        Assert.Contains("unknown message type", reason, StringComparison.Ordinal);
        Assert.Contains("protocol error", server.Log, StringComparison.Ordinal);
        Assert.Equal("operational", (await good.GetStatusAsync(Ct)).State);
        Assert.False(goodSession.IsClosed);
    }

    [Fact]
    public async Task MalformedBody_TruncatedField_ClosesConnection()
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();

        // GroupJoin whose name claims 50 bytes but the frame ends after 1.
        await raw.SendAsync([9, 0, 0, 0, 0x06, 0x00, 2, 0, 0, 0, 50, 0, (byte)'x']);

        var error = await raw.ReadCloseErrorAsync();
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedFrame_LengthPrefixAboveMaximum_ClosesWithoutWaitingForTheBody()
    {
        await using var server = TestServer.Start(path => TestServer.Defaults(path, maxFrameSize: 4096));
        await using var good = await server.ConnectAsync();
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();

        byte[] prefix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, 1_000_000_000);
        await raw.SendAsync(prefix);

        var error = await raw.ReadCloseErrorAsync();
        Assert.Contains("exceeds the maximum of 4096", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await good.Membership.GetCurrentViewAsync(Ct));
    }

    [Fact]
    public async Task Request_BeforeHello_ClosesConnectionWithoutTellingTheHandler()
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();

        await raw.SendAsync(1, GetStatusRequest.Instance);

        var error = await raw.ReadCloseErrorAsync();
        Assert.Contains("expected Hello", error.Message, StringComparison.Ordinal);
        await using var good = await server.ConnectAsync();
        // The only connection the handler ever saw is the good one.
        var session = await server.NextConnectedAsync();
        Assert.Equal("ipc-tests", session.ClientName);
        Assert.False(server.Daemon.Disconnected.Reader.TryRead(out _));
    }

    [Theory]
    [InlineData(MessageType.Ok)]
    [InlineData(MessageType.GroupMessage)]
    [InlineData(MessageType.Hello)]
    public async Task HandleFrame_UnexpectedTypeAfterHello_ClosesConnection(MessageType type)
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();

        await raw.SendAsync(2, Samples.For(type));

        var error = await raw.ReadCloseErrorAsync();
        Assert.Equal(ErrorCode.MessageError, error.Code);
        var (_, reason) = await server.NextDisconnectedAsync();
        Assert.False(string.IsNullOrEmpty(reason));
    }

    [Fact]
    public async Task RequestIdZero_AfterHello_ClosesConnection()
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();

        await raw.SendAsync(0, GetStatusRequest.Instance);

        var error = await raw.ReadCloseErrorAsync();
        Assert.Contains("request id 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hello_NoCommonVersion_RefusedWithVersionError()
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();

        await raw.SendAsync(1, new HelloRequest(IpcProtocol.CurrentVersion + 1, IpcProtocol.CurrentVersion + 5, "future"));

        var frame = await raw.ReadFrameAsync();
        var error = Assert.IsType<ErrorResponse>(frame!.Value.Message);
        Assert.Equal(1u, frame.Value.RequestId);
        Assert.Equal(ErrorCode.Version, error.Code);
        Assert.Null(await raw.ReadFrameAsync());
    }

    [Fact]
    public async Task Hello_NotSentInTime_ClosedWithTimeout()
    {
        await using var server = TestServer.Start(path => TestServer.Defaults(path, handshakeTimeout: TimeSpan.FromMilliseconds(100)));
        await using var raw = await server.ConnectRawAsync();

        var error = await raw.ReadCloseErrorAsync();

        Assert.Equal(ErrorCode.Timeout, error.Code);
    }

    [Fact]
    public async Task Hello_Accepted_ServerReportsIdentityAndLimits()
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();

        var ok = await raw.HelloAsync();

        Assert.Equal(IpcProtocol.CurrentVersion, ok.Version);
        Assert.Equal(FakeDaemon.LocalNode, ok.NodeId);
        Assert.Equal("test-cluster", ok.ClusterName);
        Assert.Equal(IpcProtocol.DefaultMaxMessageSize, ok.MaxMessageSize);
    }

    // Only the requests' own format is the server's to check; group names and sizes are the group service's
    // (Integration.Tests' RequestTableTests check those against a real daemon).
    public static TheoryData<string, ErrorCode> InvalidRequests() => new()
    {
        { "send-bad-flags", ErrorCode.BadFlags },
        { "track-both", ErrorCode.BadFlags },
        { "track-current-only", ErrorCode.BadFlags },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task InvalidRequest_Answered_WithErrorCodeAndConnectionStaysOpen(string which, ErrorCode expected)
    {
        await using var server = TestServer.Start(path => TestServer.Defaults(path, maxMessageSize: 16));
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();
        IpcRequest request = which switch
        {
            "send-bad-flags" => new GroupSendRequest("g", (GroupSendFlags)0x80, new byte[1]),
            "track-both" => new TrackMembershipRequest(TrackFlags.Changes | TrackFlags.ChangesOnly),
            "track-current-only" => new TrackMembershipRequest(TrackFlags.Current),
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };

        await raw.SendAsync(7, request);
        var frame = await raw.ReadFrameAsync();
        await raw.SendAsync(8, GetMembersRequest.Instance);
        var after = await raw.ReadFrameAsync();

        Assert.Equal(7u, frame!.Value.RequestId);
        Assert.Equal(expected, Assert.IsType<ErrorResponse>(frame.Value.Message).Code);
        Assert.Equal(8u, after!.Value.RequestId);
        Assert.IsType<MembersResponse>(after.Value.Message);
    }

    [Fact]
    public async Task MaxClients_Exceeded_ExtraConnectionRefusedWithNoResources()
    {
        await using var server = TestServer.Start(path => TestServer.Defaults(path, maxClients: 1));
        var first = await server.ConnectAsync();
        await server.NextConnectedAsync();

        var ex = await Assert.ThrowsAsync<MusterException>(() => server.ConnectAsync());

        Assert.Equal(Muster.Client.ErrorCode.NoResources, ex.Code);
        Assert.Contains("ipc_max_clients", ex.Message, StringComparison.Ordinal);
        await first.DisposeAsync();
        await server.NextDisconnectedAsync();
        await using var third = await server.ConnectAsync();
        Assert.True(third.IsConnected);
    }

    [Fact]
    public async Task SlowClient_QueueOverflows_FlowControlledThenDisconnectedWithReason()
    {
        await using var server = TestServer.Start(path => TestServer.Defaults(path, highWaterMark: 4, eventQueueLimit: 16));
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();
        var session = await server.NextConnectedAsync();
        var payload = EncodedEvent.Create(new GroupMessageEvent("g", new GroupMember(new NodeId(1), 1), new byte[256 * 1024]));

        var results = new List<EnqueueResult>();
        for (int i = 0; i < 1000 && (results.Count == 0 || results[^1] != EnqueueResult.Overflow); i++)
        {
            results.Add(session.TryEnqueueEvent(payload));
        }

        Assert.Equal(EnqueueResult.Overflow, results[^1]);
        Assert.True(results.IndexOf(EnqueueResult.AboveHighWater) is >= 0 and var i2 && i2 < results.Count - 1);
        var (gone, reason) = await server.NextDisconnectedAsync();
        Assert.Same(session, gone);
        Assert.Contains("overflow", reason, StringComparison.Ordinal);
        Assert.Equal(EnqueueResult.Closed, session.TryEnqueueEvent(payload));
    }

    [Fact]
    public async Task WriteBatch_HoldsFramesUntilFlush_ThenDeliversThemInOrderAndReleasesTheQueue()
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();
        var session = await server.NextConnectedAsync();
        var batch = new IpcWriteBatch();
        const int Count = 50;

        // Queued on this thread inside a batch: held (still counted as queued) until Flush.
        batch.Begin();
        for (int i = 0; i < Count; i++)
        {
            var ev = EncodedEvent.Create(new GroupMessageEvent("g", new GroupMember(new NodeId(1), (uint)i), new byte[100 + i]));
            Assert.Equal(EnqueueResult.Queued, session.TryEnqueueEvent(ev));
        }

        Assert.Equal(Count, session.QueuedEvents);
        Assert.Equal(1, batch.PendingSessions);
        batch.Flush();
        Assert.Equal(0, batch.PendingSessions);

        for (int i = 0; i < Count; i++)
        {
            var message = await raw.ReadAsync<GroupMessageEvent>();
            Assert.Equal((uint)i, message.Sender.ProcessId);
            Assert.Equal(100 + i, message.Payload.Length);
        }

        // Every event written: the queue accounting is back to zero.
        var deadline = DateTime.UtcNow + TestServer.Deadline;
        while (session.QueuedEvents != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, session.QueuedEvents);
    }

    [Fact]
    public async Task SlowClient_AboveHighWaterTooLong_DisconnectedAsStalled()
    {
        await using var server = TestServer.Start(path =>
            TestServer.Defaults(path, highWaterMark: 2, eventQueueLimit: 1000, stallTimeout: TimeSpan.FromMilliseconds(200)));
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();
        var session = await server.NextConnectedAsync();
        var payload = EncodedEvent.Create(new GroupMessageEvent("g", new GroupMember(new NodeId(1), 1), new byte[256 * 1024]));

        // Each event is larger than the socket buffer, so with nobody reading at most one leaves the queue.
        var result = EnqueueResult.Queued;
        for (int i = 0; i < 8; i++)
        {
            result = session.TryEnqueueEvent(payload);
        }

        Assert.Equal(EnqueueResult.AboveHighWater, result);
        var (gone, reason) = await server.NextDisconnectedAsync();
        Assert.Same(session, gone);
        Assert.Contains("stalled", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerNotAllowed_RootNotAutomaticallyAllowed_RefusedWithAccessDenied()
    {
        uint uid = UnixAccounts.CurrentUserId;
        await using var server = TestServer.Start(path =>
            TestServer.Defaults(path, allowRoot: false, allowedUsers: [uid + 4242], allowedGroups: [UnixAccounts.CurrentGroupId + 4242]));

        var ex = await Assert.ThrowsAsync<MusterException>(() => server.ConnectAsync());

        Assert.Equal(Muster.Client.ErrorCode.AccessDenied, ex.Code);
        Assert.Contains($"uid {uid} is not allowed to use musterd (see [ipc] allowed_users/allowed_groups)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"refused pid {Environment.ProcessId} uid {uid}", server.Log, StringComparison.Ordinal);
        // The server keeps running and keeps refusing.
        var again = await Assert.ThrowsAsync<MusterException>(() => server.ConnectAsync());
        Assert.Equal(Muster.Client.ErrorCode.AccessDenied, again.Code);
        Assert.Equal(0, server.Server.ClientCount);
    }

    [Fact]
    public async Task PeerAllowedByGroup_RootNotAutomaticallyAllowed_Connects()
    {
        await using var server = TestServer.Start(path =>
            TestServer.Defaults(path, allowRoot: false, allowedGroups: [UnixAccounts.CurrentGroupId]));

        await using var client = await server.ConnectAsync();

        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task PeerAllowedByUser_RootNotAutomaticallyAllowed_Connects()
    {
        await using var server = TestServer.Start(path =>
            TestServer.Defaults(path, allowRoot: false, allowedUsers: [UnixAccounts.CurrentUserId]));

        await using var client = await server.ConnectAsync();

        Assert.True(client.IsConnected);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task SocketFile_AfterStart_HasMode0660()
    {
        await using var server = TestServer.Start();

        var mode = File.GetUnixFileMode(server.SocketPath);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
    }

    [Fact]
    public async Task Start_StaleSocketFile_RemovesItAndListens()
    {
        var directory = Directory.CreateTempSubdirectory("muster-ipc-");
        string path = Path.Combine(directory.FullName, "musterd.sock");
        // Bound but not listening: connecting is refused, as with the file a crashed daemon leaves behind. (It stays
        // open until the end because .NET removes the file of a bound socket when disposing it.)
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(path));
        Assert.True(Path.Exists(path));
        var server = new IpcServer(TestServer.Defaults(path), new FakeDaemon(), NullLoggerFactory.Instance);
        try
        {
            server.Start();
            await using var client = await MusterClient.ConnectAsync(new MusterClientOptions { SocketPath = path }, Ct);
            Assert.True(client.IsConnected);
        }
        finally
        {
            await server.StopAsync();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Start_AnotherServerListening_ThrowsAndLeavesItRunning()
    {
        await using var running = TestServer.Start();
        var second = new IpcServer(TestServer.Defaults(running.SocketPath), new FakeDaemon(), NullLoggerFactory.Instance);

        var ex = Assert.Throws<IpcServerException>(second.Start);

        Assert.Contains("already listening", ex.Message, StringComparison.Ordinal);
        await using var client = await running.ConnectAsync();
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task StopAsync_WithClients_ReportsEachAndRemovesSocketFile()
    {
        var server = TestServer.Start();
        await using var a = await server.ConnectAsync();
        await using var b = await server.ConnectAsync();
        await server.NextConnectedAsync();
        await server.NextConnectedAsync();

        await server.Server.StopAsync();

        var first = await server.NextDisconnectedAsync();
        var second = await server.NextDisconnectedAsync();
        Assert.Equal("musterd is stopping", first.Reason);
        Assert.Equal("musterd is stopping", second.Reason);
        Assert.False(Path.Exists(server.SocketPath));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Reply_ManyPipelinedRequests_AllAnsweredInOrder()
    {
        await using var server = TestServer.Start();
        await using var raw = await server.ConnectRawAsync();
        await raw.HelloAsync();

        // More requests than MaxOutstandingRequests, all sent before reading anything.
        var frames = Enumerable.Range(1, 200).SelectMany(i => IpcCodec.EncodeFrame((uint)i + 1, GetMembersRequest.Instance)).ToArray();
        var sending = raw.SendAsync(frames);
        for (uint id = 2; id <= 201; id++)
        {
            var frame = await raw.ReadFrameAsync();
            Assert.Equal(id, frame!.Value.RequestId);
        }

        await sending;
    }

    [Fact]
    public void UnixAccounts_Root_ResolvesToZero()
    {
        Assert.True(UnixAccounts.TryGetUserId("root", out uint uid));
        Assert.Equal(0u, uid);
        Assert.True(UnixAccounts.TryGetGroupId("root", out uint gid));
        Assert.Equal(0u, gid);
        Assert.True(UnixAccounts.TryGetGroupId("1234", out uint numeric));
        Assert.Equal(1234u, numeric);
        Assert.False(UnixAccounts.TryGetUserId("no-such-user-muster", out _));
    }
}
