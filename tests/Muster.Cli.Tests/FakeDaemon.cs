using Microsoft.Extensions.Logging.Abstractions;
using Muster.Core;
using Muster.Ipc;
using Muster.Ipc.Contracts;

namespace Muster.Cli.Tests;

// The real IpcServer on a socket in a fresh temporary directory, with a scripted daemon behind it that keeps groups in
// memory and answers at once. Group members are reported with the client's real pid, as musterd does.
internal sealed class FakeDaemon : IIpcHandler, IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, List<IpcSession>> _groups = new(StringComparer.Ordinal);
    private readonly DirectoryInfo _directory;
    private readonly IpcServer _server;

    private FakeDaemon()
    {
        _directory = Directory.CreateTempSubdirectory("muster-cli-");
        SocketPath = Path.Combine(_directory.FullName, "musterd.sock");
        var options = new IpcServerOptions
        {
            SocketPath = SocketPath,
            NodeId = Samples.LocalNode,
            NodeName = "alpha",
            ClusterName = "prod",
            AllowRoot = true,
            // The tests may run as any user.
            AllowedUserIds = [UnixAccounts.CurrentUserId],
        };
        _server = new IpcServer(options, this, NullLoggerFactory.Instance);
    }

    public string SocketPath { get; }

    // No view installed: status reports ViewId.None, joins are refused as the real daemon would hold them back.
    public bool NoView { get; set; }

    // The view holds only the local node (alpha): it is alone, as a node whose peers are refused is.
    public bool Alone { get; set; }

    // What GetRefusalsRequest answers; answered NotSupported when null, as a musterd from before the request would.
    public List<Muster.Client.RefusalInfo>? Refusals { get; set; } = [];

    // Requests of this type are never answered (to test --timeout).
    public MessageType? Ignore { get; set; }

    // GroupJoin is answered with this error instead of joining.
    public ErrorCode? JoinError { get; set; }

    // The keys, rotated by KeyOperationRequest as musterd's KeyRing does; empty with encryption off.
    public bool Encrypted { get; set; } = true;

    public List<KeyInfo> Keys { get; } = [.. Samples.Keys().Keys.Select(k => k.ToWire())];

    // GetKeysRequest and KeyOperationRequest are answered NotSupported, as a musterd from before encryption would.
    public bool KeysNotSupported { get; set; }

    // StatusResult ends after the counters, as from a musterd that predates per-peer counters.
    public bool PeersNotReported { get; set; }

    public TaskCompletionSource LeaveRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static FakeDaemon Start()
    {
        var daemon = new FakeDaemon();
        daemon._server.Start();
        return daemon;
    }

    public int MemberCount(string group)
    {
        lock (_sync)
        {
            return _groups.TryGetValue(group, out var members) ? members.Count : 0;
        }
    }

    public void OnConnected(IpcSession session)
    {
    }

    public void OnDisconnected(IpcSession session, string reason)
    {
        lock (_sync)
        {
            foreach (var (name, members) in _groups.ToArray())
            {
                if (members.Remove(session))
                {
                    Broadcast(name, [], [new(Member(session), GroupChangeReason.ProcessDown)]);
                }

                if (members.Count == 0)
                {
                    _groups.Remove(name);
                }
            }
        }
    }

    public void OnRequest(IpcSession session, uint requestId, IpcRequest request)
    {
        if (request.Type == Ignore)
        {
            return;
        }

        lock (_sync)
        {
            switch (request)
            {
                case GetStatusRequest:
                    var status = Samples.Status(NoView ? ViewId.None : Samples.View);
                    session.Reply(requestId, new StatusResponse(status.NodeId, status.NodeName, status.ClusterName, status.ViewId,
                        status.State, (ushort)status.ProtocolVersion, Alone ? status.Members.Take(1).ToWire() : status.Members.ToWire(),
                        status.Timeouts, status.Counters, PeersNotReported ? null : status.Peers?.ToWire()));
                    break;
                case GetRefusalsRequest when Refusals is not null:
                    session.Reply(requestId, new RefusalsResponse([.. Refusals.Select(r => r.ToWire())]));
                    break;
                case GetLinksRequest:
                    session.Reply(requestId, LinksCommandTests.Sample.ToWire());
                    break;
                case GetMembersRequest:
                    session.Reply(requestId, new MembersResponse(NoView ? new ClusterView(ViewId.None, [])
                        : Alone ? new ClusterView(Samples.View, Samples.ClusterView().Members.Take(1).ToWire())
                        : Samples.ClusterView().ToWire()));
                    break;
                case GroupJoinRequest join when JoinError is { } error:
                    session.ReplyError(requestId, error, $"cannot join {join.Group} now");
                    break;
                case GroupJoinRequest join:
                    if (!_groups.TryGetValue(join.Group, out var joined))
                    {
                        joined = [];
                        _groups[join.Group] = joined;
                    }

                    joined.Add(session);
                    // Before the answer, as musterd does: the joiner's stream starts with its own join.
                    Broadcast(join.Group, [new(Member(session), GroupChangeReason.Join)], []);
                    session.ReplyOk(requestId);
                    break;
                case GroupLeaveRequest leave:
                    if (_groups.TryGetValue(leave.Group, out var left) && left.Remove(session))
                    {
                        Broadcast(leave.Group, [], [new(Member(session), GroupChangeReason.Leave)]);
                        if (left.Count == 0)
                        {
                            _groups.Remove(leave.Group);
                        }
                    }

                    session.ReplyOk(requestId);
                    break;
                case GroupSendRequest send:
                    if (!_groups.TryGetValue(send.Group, out var targets) || !targets.Contains(session))
                    {
                        session.ReplyError(requestId, ErrorCode.NotExist, $"this process is not a member of group '{send.Group}'");
                        break;
                    }

                    var message = EncodedEvent.Create(new GroupMessageEvent(send.Group, Member(session), send.Payload));
                    foreach (var target in targets)
                    {
                        target.TryEnqueueEvent(message);
                    }

                    session.ReplyOk(requestId);
                    break;
                case GetGroupsRequest:
                    session.Reply(requestId, new GroupsResponse([.. _groups.Select(g => new GroupSummary(g.Key, g.Value.Count))]));
                    break;
                case GetGroupMembersRequest get:
                    if (!_groups.TryGetValue(get.Group, out var list))
                    {
                        session.ReplyError(requestId, ErrorCode.NotExist, $"no group named '{get.Group}'");
                        break;
                    }

                    session.Reply(requestId, new GroupMembersResponse([.. list.Select(Member)]));
                    break;
                case GetKeysRequest when !KeysNotSupported:
                    session.Reply(requestId, new KeysResponse(Encrypted, Encrypted ? [.. Keys] : [], string.Empty));
                    break;
                case KeyOperationRequest step when !KeysNotSupported:
                    if (RunKeyStep(step.Operation, out string text))
                    {
                        session.Reply(requestId, new KeysResponse(Encrypted, [.. Keys], text));
                    }
                    else
                    {
                        session.ReplyError(requestId, ErrorCode.InvalidParameter, text);
                    }

                    break;
                case LeaveClusterRequest:
                    session.ReplyOk(requestId);
                    LeaveRequested.TrySetResult();
                    break;
                default:
                    session.ReplyError(requestId, ErrorCode.NotSupported, request.Type.ToString());
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // The three rotation steps on Keys, with musterd's refusals (their wording is the daemon's, shortened).
    private bool RunKeyStep(KeyOperation operation, out string text)
    {
        if (!Encrypted)
        {
            text = "encryption is off on this node (security.crypto = \"none\"): there are no keys to rotate";
            return false;
        }

        int staged = Keys.FindIndex(k => k.Role == KeyRole.Staged);
        int previous = Keys.FindIndex(k => k.Role == KeyRole.Previous);
        int current = Keys.FindIndex(k => k.Role == KeyRole.Current);
        switch (operation)
        {
            case KeyOperation.Load:
                if (staged < 0)
                {
                    Keys.Add(new KeyInfo(Samples.NewKey, KeyRole.Staged, Samples.KeyPath));
                }

                text = "loaded key bbbbbbbb";
                return true;
            case KeyOperation.Activate when staged < 0:
                text = "no new key is loaded: copy the new key file to every node and run `muster key load` (or send SIGHUP) first";
                return false;
            case KeyOperation.Activate:
                var old = Keys[current];
                var loaded = Keys[staged];
                Keys.Clear();
                Keys.Add(loaded with { Role = KeyRole.Current });
                Keys.Add(old with { Role = KeyRole.Previous });
                text = "now sealing with key bbbbbbbb";
                return true;
            case KeyOperation.Retire when previous < 0:
                text = "there is no previous key to retire (run `muster key activate` first)";
                return false;
            default:
                Keys.RemoveAt(previous);
                text = "retired key aaaaaaaa";
                return true;
        }
    }

    private static GroupMember Member(IpcSession session) => new(Samples.LocalNode, (uint)session.ProcessId);

    private void Broadcast(string group, IReadOnlyList<GroupMemberChange> joined, IReadOnlyList<GroupMemberChange> left)
    {
        if (!_groups.TryGetValue(group, out var members))
        {
            return;
        }

        var change = EncodedEvent.Create(new GroupMembershipChangedEvent(group, Samples.View, [.. members.Select(Member)], joined, left));
        foreach (var member in members)
        {
            member.TryEnqueueEvent(change);
        }
    }
}
