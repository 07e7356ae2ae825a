using System.Net.Sockets;
using Muster.Cli.Demo;
using Muster.Ipc.Contracts;

namespace Muster.Integration.Tests;

/// <summary>
/// The daemon's request table against a real musterd, with frames written by hand (what <c>Muster.Client</c> would
/// refuse to send): every request type of the protocol is served, and the group service's domain rules (names, sizes)
/// are answered by the service, once, with the codes CPG users expect.
/// </summary>
[Collection(DaemonCollection.Name)]
public class RequestTableTests
{
    private static IpcRequest Sample(MessageType type) => type switch
    {
        MessageType.GetStatus => GetStatusRequest.Instance,
        MessageType.GetMembers => GetMembersRequest.Instance,
        MessageType.TrackMembership => new TrackMembershipRequest(TrackFlags.ChangesOnly),
        MessageType.StopTrackMembership => StopTrackMembershipRequest.Instance,
        MessageType.GroupJoin => new GroupJoinRequest("table"),
        MessageType.GroupSend => new GroupSendRequest("table", GroupSendFlags.None, new byte[] { 1, 2, 3 }),
        MessageType.GroupLeave => new GroupLeaveRequest("table"),
        MessageType.GetGroups => GetGroupsRequest.Instance,
        MessageType.GetGroupMembers => new GetGroupMembersRequest("table"),
        MessageType.GetKeys => GetKeysRequest.Instance,
        MessageType.KeyOperation => new KeyOperationRequest(KeyOperation.Load),
        MessageType.GetLinks => GetLinksRequest.Instance,
        MessageType.GetRefusals => GetRefusalsRequest.Instance,
        MessageType.LeaveCluster => LeaveClusterRequest.Instance,
        MessageType.GetQuorum => GetQuorumRequest.Instance,
        MessageType.TrackQuorum => TrackQuorumRequest.Instance,
        MessageType.StopTrackQuorum => StopTrackQuorumRequest.Instance,
        // Refused (expected votes below the votes present) but served.
        MessageType.SetQuorum => new SetQuorumRequest(QuorumSetting.ExpectedVotes, Muster.Core.NodeId.None, 1),
        // Refused (node 1 is in the view) but served.
        MessageType.GetFencing => GetFencingRequest.Instance,
        MessageType.Fence => new FenceRequest(new Muster.Core.NodeId(1), true, "", false),
        MessageType.TrackRecovery => TrackRecoveryRequest.Instance,
        MessageType.StopTrackRecovery => StopTrackRecoveryRequest.Instance,
        // A new request type fails here until the test sends it too.
        _ => throw new InvalidOperationException($"no sample of request {type}: add one, and a handler to the daemon's table"),
    };

    [Fact]
    public async Task EveryRequestType_IsServed_NoneAnsweredNotSupported()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(1);
        await using (var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct))
        await using (var watch = new MembershipWatcher(client))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1), ct);
        }

        await using var raw = await Raw.ConnectAsync(cluster.Nodes[0].SocketPath, ct);
        // Leave last: it ends the daemon.
        var types = Enum.GetValues<MessageType>()
            .Where(t => t.GetKind() == MessageKind.Request && t != MessageType.Hello)
            .OrderBy(t => t == MessageType.LeaveCluster)
            .ToList();
        Assert.Contains(MessageType.GroupSend, types);
        uint id = 10;
        foreach (var type in types)
        {
            var answer = await raw.AskAsync(++id, Sample(type), ct);
            Assert.False(answer is ErrorResponse { Code: ErrorCode.NotSupported or ErrorCode.Library },
                $"{type} was answered {answer}");
        }
    }

    public static TheoryData<string, ErrorCode, string> DomainRules() => new()
    {
        { "join-long-name", ErrorCode.NameTooLong, "the limit is 128" },
        { "join-empty-name", ErrorCode.InvalidParameter, "group name is empty" },
        { "join-nul", ErrorCode.InvalidParameter, "NUL" },
        { "leave-long-name", ErrorCode.NameTooLong, "the limit is 128" },
        { "send-long-name", ErrorCode.NameTooLong, "the limit is 128" },
        { "members-long-name", ErrorCode.NameTooLong, "the limit is 128" },
        { "members-unknown", ErrorCode.NotExist, "no group named 'nobody'" },
        { "send-too-big", ErrorCode.TooBig, "exceeds the maximum of 1048576" },
        { "send-bad-flags", ErrorCode.BadFlags, "unknown send flags 0x80" },
    };

    [Theory]
    [MemberData(nameof(DomainRules))]
    public async Task GroupRules_AnsweredByTheService_WithCpgCodes_ConnectionStaysOpen(string which, ErrorCode expected, string text)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = Cluster.Start(1);
        await using (var client = await LocalCluster.ConnectAsync(cluster.Nodes[0], Cluster.Step, ct))
        await using (var watch = new MembershipWatcher(client))
        {
            await Cluster.WaitForViewAsync(watch, cluster, v => Cluster.HasExactly(v, 1), ct);
        }

        await using var raw = await Raw.ConnectAsync(cluster.Nodes[0].SocketPath, ct);
        string tooLong = new('x', Muster.Core.GroupName.MaxBytes + 1);
        Assert.IsType<OkResponse>(await raw.AskAsync(2, new GroupJoinRequest("g"), ct));
        IpcRequest request = which switch
        {
            "join-long-name" => new GroupJoinRequest(tooLong),
            "join-empty-name" => new GroupJoinRequest(string.Empty),
            "join-nul" => new GroupJoinRequest("a\0b"),
            "leave-long-name" => new GroupLeaveRequest(tooLong),
            "send-long-name" => new GroupSendRequest(tooLong, GroupSendFlags.None, new byte[1]),
            "members-long-name" => new GetGroupMembersRequest(tooLong),
            "members-unknown" => new GetGroupMembersRequest("nobody"),
            "send-too-big" => new GroupSendRequest("g", GroupSendFlags.None, new byte[1024 * 1024 + 1]),
            "send-bad-flags" => new GroupSendRequest("g", (GroupSendFlags)0x80, new byte[1]),
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };

        var error = Assert.IsType<ErrorResponse>(await raw.AskAsync(7, request, ct));
        Assert.Equal(expected, error.Code);
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
        // The connection is still good, and the process still in its group.
        Assert.IsType<OkResponse>(await raw.AskAsync(8, new GroupSendRequest("g", GroupSendFlags.None, new byte[1]), ct));
    }

    // A bare connection speaking frames by hand; reads past events to the answer of each request.
    private sealed class Raw : IAsyncDisposable
    {
        private readonly Socket _socket;
        private byte[] _buffer = new byte[64 * 1024];
        private int _count;

        private Raw(Socket socket) => _socket = socket;

        public static async Task<Raw> ConnectAsync(string path, CancellationToken ct)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).AsTask().WaitAsync(Cluster.Step, ct);
            var raw = new Raw(socket);
            Assert.IsType<HelloOkResponse>(await raw.AskAsync(1, new HelloRequest(IpcProtocol.MinVersion, IpcProtocol.CurrentVersion, "raw"), ct));
            return raw;
        }

        public async Task<IpcMessage> AskAsync(uint id, IpcRequest request, CancellationToken ct)
        {
            await _socket.SendAsync(IpcCodec.EncodeFrame(id, request), SocketFlags.None, ct).AsTask().WaitAsync(Cluster.Step, ct);
            while (true)
            {
                var status = IpcCodec.TryDecodeFrame(_buffer.AsSpan(0, _count), int.MaxValue, out var frame, out int used, out string? error);
                Assert.True(status != DecodeStatus.InvalidData, error);
                if (status == DecodeStatus.Done)
                {
                    _buffer.AsSpan(used, _count - used).CopyTo(_buffer);
                    _count -= used;
                    if (frame.RequestId == id)
                    {
                        return frame.Message;
                    }

                    Assert.Equal(IpcProtocol.UnsolicitedRequestId, frame.RequestId);
                    continue;
                }

                if (_count == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                int read = await _socket.ReceiveAsync(_buffer.AsMemory(_count), SocketFlags.None, ct).AsTask().WaitAsync(Cluster.Step, ct);
                Assert.True(read > 0, $"musterd closed the connection before answering {request.Type}");
                _count += read;
            }
        }

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
