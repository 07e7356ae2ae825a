using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Tests;

// Model objects as musterd would report them, for the formatting tests and the scripted daemon.
internal static class Samples
{
    public static readonly NodeId LocalNode = new(1);

    // Printed "1.1c": coordinator 1, sequence 0x1c.
    public static readonly ViewId View = new(0x1c, new NodeId(1));

    public static ClusterView ClusterView() => new(View,
    [
        new MemberInfo(new NodeId(1), 4, "alpha", ["10.0.0.1:5405", "192.168.1.1:5405"], MemberState.Member, new ViewId(0x1a, new NodeId(1))),
        new MemberInfo(new NodeId(2), 12, "beta", ["10.0.0.2:5405"], MemberState.Member, View),
        new MemberInfo(new NodeId(3), 1, "gamma", [], MemberState.Leaving, null),
    ]);

    public const string KeyPath = "/etc/muster/authkey";

    public const uint CurrentKey = 0xaaaaaaaa;

    // What `muster key load` finds in the key file in the scripted rotation.
    public const uint NewKey = 0xbbbbbbbb;

    public static ClusterKeys Keys() => new(true, [new KeyInfo(CurrentKey, KeyRole.Current, KeyPath)], string.Empty);

    public static DaemonStatus Status(ViewId? viewId = null)
    {
        var view = viewId ?? View;
        return new DaemonStatus(LocalNode, "alpha", "prod", view, view.IsNone ? "joining" : "operational", 1,
            view.IsNone ? [] : ClusterView().Members,
            [new("token", TimeSpan.FromSeconds(1)), new("consensus", TimeSpan.FromMilliseconds(1200)), new("join", TimeSpan.FromMilliseconds(0.5))],
            [new("messages_sent", 42), new("view_changes", 3)],
            [new PeerCounters(new NodeId(2), "beta", [new(PeerCounters.DeclaredFailedWhileLinkUp, 0)]),
                new PeerCounters(new NodeId(3), "gamma", [new(PeerCounters.DeclaredFailedWhileLinkUp, 2)])]);
    }
}
