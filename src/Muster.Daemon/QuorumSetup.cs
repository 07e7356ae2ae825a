using Muster.Configuration;
using Muster.Core;
using Muster.Node.Quorum;

namespace Muster.Daemon;

/// <summary>
/// From <c>[quorum]</c> and each node's <c>votes</c> to the quorum service's settings, through the service's own
/// check (votequorum's rules), so the file is refused or adjusted exactly as the service would.
/// </summary>
public static class QuorumSetup
{
    /// <summary>The options as configured, before the check.</summary>
    public static QuorumOptions ToOptions(ClusterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var q = config.Quorum;
        TieBreaker? tieBreaker = !q.AutoTieBreaker ? null : q.TieBreakerNode switch
        {
            TieBreakerRule.Highest => TieBreaker.Highest,
            TieBreakerRule.List => new TieBreaker(TieBreakerKind.List, [.. q.TieBreakerNodes.Select(n => new NodeId(n))]),
            _ => TieBreaker.Lowest,
        };
        return new QuorumOptions(
            config.Nodes.ToDictionary(n => n.NodeId, n => n.Votes),
            ExpectedVotes: q.ExpectedVotes,
            TwoNode: q.TwoNode,
            WaitForAll: q.WaitForAll,
            LastManStanding: q.LastManStanding,
            LastManStandingWindow: q.LastManStandingWindow,
            AutoTieBreaker: tieBreaker,
            AllowDownscale: q.AllowDownscale,
            Arbiter: false,
            TieBreakerNodeWithoutAutoTieBreaker: !q.AutoTieBreaker && q.TieBreakerNode is not null);
    }

    /// <summary>Checks the configuration's quorum settings and returns those in force.</summary>
    /// <param name="config">The loaded configuration.</param>
    /// <param name="warn">Gets each adjustment votequorum would also make (logged; not an error).</param>
    /// <exception cref="ConfigException">A combination votequorum refuses; the message names every key involved.</exception>
    public static EffectiveQuorumOptions Resolve(ClusterConfig config, Action<string>? warn = null)
    {
        var verdict = QuorumOptionsCheck.Check(ToOptions(config));
        if (!verdict.IsValid)
        {
            throw new ConfigException(config.SourcePath ?? config.ClusterName, 0, "quorum", string.Join("; ", verdict.Errors));
        }

        foreach (string warning in verdict.Warnings)
        {
            warn?.Invoke(warning);
        }

        return verdict.Effective!;
    }
}
