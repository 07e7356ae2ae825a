using C = Muster.Client;
using W = Muster.Ipc.Contracts;

namespace Muster.Cli.Tests;

// The samples are written in the client's types (what the CLI formats); the fake daemon answers in the wire's. Enums
// convert by number, as the client's own conversion does.
internal static class WireForms
{
    public static W.MemberInfo ToWire(this C.MemberInfo m) =>
        new(m.NodeId, m.Incarnation, m.Name, m.Addresses, (W.MemberState)m.State, m.JoinedViewId);

    public static W.MemberInfo[] ToWire(this IEnumerable<C.MemberInfo> members) => [.. members.Select(ToWire)];

    public static W.ClusterView ToWire(this C.ClusterView view) => new(view.ViewId, view.Members.ToWire());

    public static W.PeerCounters[] ToWire(this IEnumerable<C.PeerCounters> peers) =>
        [.. peers.Select(p => new W.PeerCounters(p.Node, p.Name, p.Counters))];

    public static W.KeyInfo ToWire(this C.KeyInfo k) => new(k.Fingerprint, (W.KeyRole)k.Role, k.Source);

    public static W.RefusalInfo ToWire(this C.RefusalInfo r) =>
        new(r.Node, r.Name, r.Address, (W.RefusalDirection)r.Direction, (W.RefusalReason)r.Reason, r.Text, r.Age, r.Count);

    public static W.LinksResponse ToWire(this C.LinkReport l) =>
        new(l.Mode, l.DatagramSize, [.. l.Peers.Select(p => new W.PeerLinks(p.Node, p.Name, [.. p.Links.Select(k => new W.LinkInfo(
            k.Index, k.LocalEndpoint, k.RemoteEndpoint, k.Up, k.InUse, k.Priority, k.Mtu, k.Rtt, k.SinceChange, k.UpTransitions,
            k.DownTransitions, k.ProbesSent, k.PongsReceived))]))]);
}
