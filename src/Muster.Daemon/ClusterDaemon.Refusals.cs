using Muster.Core;
using Muster.Ipc.Contracts;
using Muster.Membership;
using Muster.Security;
using Muster.Wire.Messages;

namespace Muster.Daemon;

// Why this node and others cannot talk, for `muster status` and `muster nodes`: the engine's refusals (cluster name,
// config version, node list, wire version), the security layer's drops (another key, encryption on one side only,
// failed authentication) and the transport's datagrams from addresses outside the node list.
internal sealed partial class ClusterDaemon
{
    // How long a refusal counts after its latest packet. Longer than the interval at which the refusing side repeats
    // its Refuse (5 s), so a refusal we only learn about from those stays in the report while it lasts.
    private static readonly TimeSpan s_refusalHorizon = TimeSpan.FromSeconds(15);

    // The latest security drop per configured peer. Touched by the loop thread only.
    private readonly Dictionary<NodeId, SecurityDrop> _securityDrops = [];

    // Counts a datagram the security layer dropped; only drops that say the configurations differ are kept (a replay
    // or an old incarnation's packet is normal traffic after a restart or a duplicate, not a reason to be alone).
    private void NoteSecurityDrop(NodeId source, RefusalReason reason, uint fingerprint, Instant now)
    {
        if (_securityDrops.TryGetValue(source, out var drop) && drop.Reason == reason && drop.Fingerprint == fingerprint)
        {
            drop.LastSeen = now;
            drop.Count++;
            return;
        }

        _securityDrops[source] = new SecurityDrop(reason, fingerprint, DescribeRefusal(reason, fingerprint), now);
    }

    private static RefusalReason? RefusalReasonOf(OpenResult result) => result switch
    {
        OpenResult.UnknownKey => RefusalReason.UnknownKey,
        OpenResult.NotSealed => RefusalReason.NotEncrypted,
        OpenResult.AuthenticationFailed => RefusalReason.AuthenticationFailed,
        // Authenticated by a holder of the cluster key, from the address of another node: the node lists map ids to
        // addresses differently.
        OpenResult.SenderMismatch => RefusalReason.NodeList,
        _ => null,
    };

    private string DescribeRefusal(RefusalReason reason, uint fingerprint) => reason switch
    {
        RefusalReason.UnknownKey =>
            $"we drop its packets: they are sealed with key {ClusterKey.FormatFingerprint(fingerprint)}, which we do not hold " +
            $"(we hold {string.Join(", ", _keys!.Accepted.Select(k => k.FingerprintText))}): the key files differ",
        RefusalReason.NotEncrypted =>
            "we drop its packets: they are not encrypted, and this node requires encryption (security.crypto differs)",
        RefusalReason.Encrypted =>
            "we drop its packets: they are encrypted, and this node runs with security.crypto = \"none\" (the setting differs)",
        RefusalReason.AuthenticationFailed =>
            "we drop its packets: they fail authentication (forged or corrupted, or from a cluster of another name that shares the key)",
        _ => "we drop packets from its address that name another node as their sender: the node lists differ",
    };

    // A packet from `source` passed the security layer: whatever it dropped from there before is fixed.
    private void SecurityAccepted(NodeId source)
    {
        if (_securityDrops.Count != 0)
        {
            _securityDrops.Remove(source);
        }
    }

    private RefusalsResponse BuildRefusals(Instant now)
    {
        var refusals = new List<RefusalInfo>();
        foreach (var refusal in _node.Membership.Refusals)
        {
            Add(refusal.Node, refusal.Direction == Membership.RefusalDirection.Outbound
                    ? Ipc.Contracts.RefusalDirection.Outbound
                    : Ipc.Contracts.RefusalDirection.Inbound,
                refusal.Reason switch
                {
                    RefuseReason.ClusterName => RefusalReason.ClusterName,
                    RefuseReason.ConfigVersion => RefusalReason.ConfigVersion,
                    RefuseReason.ProtocolVersion => RefusalReason.ProtocolVersion,
                    _ => RefusalReason.NodeList,
                },
                refusal.Detail, refusal.LastSeen, refusal.Count);
        }

        foreach (var (node, drop) in _securityDrops)
        {
            Add(node, Ipc.Contracts.RefusalDirection.Inbound, drop.Reason, drop.Text, drop.LastSeen, drop.Count);
        }

        foreach (var source in _transport.RecentUnknownSources())
        {
            var age = now - source.LastSeen;
            if (age <= s_refusalHorizon)
            {
                refusals.Add(new RefusalInfo(NodeId.None, "", source.Endpoint, Ipc.Contracts.RefusalDirection.Inbound,
                    RefusalReason.UnknownAddress, "we drop its datagrams: this address is not in our node list, so the node lists differ",
                    age < TimeSpan.Zero ? TimeSpan.Zero : age, source.Datagrams));
            }
        }

        return new RefusalsResponse([.. refusals.OrderBy(r => r.Age)]);

        void Add(NodeId node, Ipc.Contracts.RefusalDirection direction, RefusalReason reason, string text, Instant lastSeen, long count)
        {
            var age = now - lastSeen;
            if (age > s_refusalHorizon)
            {
                return;
            }

            var config = _config.Nodes.FirstOrDefault(n => n.NodeId == node);
            refusals.Add(new RefusalInfo(node, config?.Name ?? "", config?.Endpoints[0].ToString() ?? "", direction, reason, text,
                age < TimeSpan.Zero ? TimeSpan.Zero : age, count));
        }
    }

    private sealed class SecurityDrop(RefusalReason reason, uint fingerprint, string text, Instant now)
    {
        public RefusalReason Reason { get; } = reason;
        public uint Fingerprint { get; } = fingerprint;
        public string Text { get; } = text;
        public Instant LastSeen { get; set; } = now;
        public long Count { get; set; } = 1;
    }
}
