using Muster.Core;
using Muster.Core.Random;
using Muster.Node.Quorum;

namespace Muster.Simulation;

// Quorum in the simulation: every node runs the quorum service with options drawn from the seed, and after every
// step the simulator checks the safety property of docs/quorum.md.
public sealed partial class Simulator
{
    /// <summary>The quorum options of this run (drawn from the seed on a stream of their own, so the faults are unchanged).</summary>
    internal EffectiveQuorumOptions QuorumOptions { get; private set; } = null!;

    /// <summary>The longest a node stayed quorate in a view that a quorate view installed later had left it out of.</summary>
    internal TimeSpan LongestStaleQuorum { get; private set; }

    private QuorumVariant _quorumVariant;

    private void ChooseQuorumOptions()
    {
        var r = new DeterministicRandom(_scenario.Seed ^ 0x0A0B_0C0D_0E0F_1011UL);
        _quorumVariant = (QuorumVariant)r.Next(4);
        var votes = _nodes.ToDictionary(n => n.Id, _ => 1);
        var options = new QuorumOptions(votes,
            WaitForAll: _quorumVariant is QuorumVariant.WaitForAll or QuorumVariant.LastManStanding ? true : null,
            LastManStanding: _quorumVariant == QuorumVariant.LastManStanding,
            LastManStandingWindow: TimeSpan.FromSeconds(2),
            AutoTieBreaker: _quorumVariant == QuorumVariant.AutoTieBreaker ? TieBreaker.Lowest : null);
        var verdict = QuorumOptionsCheck.Check(options);
        if (!verdict.IsValid)
        {
            // ATB + LMS is the refused pair; the variants never combine them.
            throw new InvalidOperationException($"quorum options of the simulation refused: {string.Join("; ", verdict.Errors)}");
        }

        QuorumOptions = verdict.Effective!;
    }

    /// <summary>
    /// How long a node may stay quorate in a view that a later quorate view left it out of (docs/quorum.md, "Safety"):
    /// it must notice the split (the failure timeout), and then install a view without the others (a consensus round
    /// and a join round, each possibly retried once), on a clock that may run slow by the scenario's drift.
    /// </summary>
    internal TimeSpan DetectionBound =>
        (_options.FailureTimeout + 2 * _options.ConsensusTimeout + 2 * _options.JoinTimeout) * (1 + _scenario.ClockDrift) * 1.5;

    private static QuorumState? QuorumOf(SimNode node) =>
        node.Node?.Services.Count > 1 && node.Node.Services[1] is QuorumService q ? q.State : null;

    /// <summary>
    /// After every step: no two nodes are quorate in views with disjoint member sets; and a node left out of a later
    /// quorate view is quorate no longer than <see cref="DetectionBound"/> after that view was installed, unless its
    /// loop was frozen meanwhile (a paused process believes what it believed; fencing and the watchdog cover that).
    /// </summary>
    private void CheckQuorum()
    {
        if (_skip.Contains("quorum"))
        {
            return;
        }

        for (int i = 0; i < _nodes.Length; i++)
        {
            var a = _nodes[i];
            if (QuorumOf(a) is not { Quorate: true } qa || a.Engine?.CurrentView is not { } va)
            {
                continue;
            }

            for (int j = 0; j < _nodes.Length; j++)
            {
                var b = _nodes[j];
                if (i == j || QuorumOf(b) is not { Quorate: true } || b.Engine?.CurrentView is not { } vb || vb.Id == va.Id)
                {
                    continue;
                }

                bool aInB = vb.Members.Any(m => m.Node == a.Id);
                bool disjoint = !va.Members.Any(m => vb.Members.Any(o => o.Node == m.Node));
                // Last man standing lowers expected votes in whichever partition outlasts the window; two partitions that
                // each did (a node cut off from one lowered view merging into another) are both quorate by votequorum's
                // rules too (seed 218). It is safe only when every node that left a quorate view is fenced before the
                // window ends (docs/quorum.md): until the simulator fences, it is checked for staleness alone.
                if (disjoint && _quorumVariant != QuorumVariant.LastManStanding)
                {
                    throw new SimulationFailureException(
                        $"quorum: {a.Member} is quorate in {va} and {b.Member} in {vb}, whose members are disjoint ({qa}) [{_quorumVariant}]");
                }

                // a was left out of b's view, which came after a's: a is the stale one.
                if (!aInB && b.ViewInstalledAt > a.ViewInstalledAt)
                {
                    var stale = _now - b.ViewInstalledAt;
                    if (a.StalledUntil >= b.ViewInstalledAt)
                    {
                        continue;
                    }

                    if (stale > LongestStaleQuorum)
                    {
                        LongestStaleQuorum = stale;
                    }

                    if (stale > DetectionBound)
                    {
                        throw new SimulationFailureException(
                            $"quorum: {a.Member} is still quorate in {va} {stale.TotalMilliseconds:F0} ms after {b.Member} installed the quorate view {vb} "
                            + $"without it (bound {DetectionBound.TotalMilliseconds:F0} ms) [{_quorumVariant}]");
                    }
                }
            }
        }
    }

    private enum QuorumVariant
    {
        Majority,
        AutoTieBreaker,
        WaitForAll,
        LastManStanding,
    }
}
