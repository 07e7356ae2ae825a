using Muster.Core;

namespace Muster.Simulation;

/// <summary>
/// The simulated network's reachability, and its history: since when each pair of nodes has been connected both
/// ways, and until when each node was touched by a fault that the stability guarantee exempts (a one-way block, a
/// stall, a delay near the failure timeout, heavy loss).
/// </summary>
internal sealed class Connectivity
{
    // Above this loss rate a "connected" pair may legitimately look silent for a failure timeout.
    public const double LossyThreshold = 0.05;

    private readonly int _n;
    private readonly bool[,] _blocked;
    private readonly Instant[,] _lastBad;
    private readonly Instant[] _exemptUntil;
    private readonly Instant[,] _lastBridged;
    private (int From, int To)? _persistent;
    private Instant _lossyUntil = new(long.MinValue / 2);

    public Connectivity(int nodes)
    {
        _n = nodes;
        _blocked = new bool[nodes, nodes];
        _lastBad = new Instant[nodes, nodes];
        _exemptUntil = new Instant[nodes];
        _lastBridged = new Instant[nodes, nodes];
        for (int i = 0; i < nodes; i++)
        {
            for (int j = 0; j < nodes; j++)
            {
                _lastBridged[i, j] = new Instant(long.MinValue / 2);
            }
        }
        Array.Fill(_exemptUntil, new Instant(long.MinValue / 2));
    }

    /// <summary>A one-way block that no heal removes, for the rest of the run.</summary>
    public (int From, int To)? Persistent => _persistent;

    /// <summary>True when packets from <paramref name="from"/> to <paramref name="to"/> are dropped.</summary>
    public bool Blocked(int from, int to) => _blocked[from, to] || _persistent == (from, to);

    /// <summary>True when both directions between two nodes pass (ignoring loss).</summary>
    public bool BothWays(int a, int b) => !Blocked(a, b) && !Blocked(b, a);

    /// <summary>Applies a change to the block matrix, keeping the history right on both sides of it.</summary>
    public void Change(Instant now, Action<bool[,]> change)
    {
        Capture(now);
        change(_blocked);
        Capture(now);
    }

    public void Partition(Instant now, bool[] side) => Change(now, b =>
    {
        for (int i = 0; i < _n; i++)
        {
            for (int j = 0; j < _n; j++)
            {
                b[i, j] = side[i] != side[j];
            }
        }
    });

    public void BlockOneWay(Instant now, int from, int to) => Change(now, b => b[from, to] = true);

    public void HealAll(Instant now) => Change(now, Array.Clear);

    /// <summary>Cuts one node off from all others, both ways.</summary>
    public void Cut(Instant now, int node) => Change(now, b =>
    {
        for (int j = 0; j < _n; j++)
        {
            if (j != node)
            {
                b[node, j] = true;
                b[j, node] = true;
            }
        }
    });

    /// <summary>Heals every block that touches one node.</summary>
    public void HealNode(Instant now, int node) => Change(now, b =>
    {
        for (int j = 0; j < _n; j++)
        {
            b[node, j] = false;
            b[j, node] = false;
        }
    });

    public void SetPersistent(Instant now, int from, int to) => Change(now, _ => _persistent = (from, to));

    /// <summary>Marks a node as touched by an exempt fault (stall, slow link) until <paramref name="until"/>.</summary>
    public void Exempt(int node, Instant until)
    {
        if (until > _exemptUntil[node])
        {
            _exemptUntil[node] = until;
        }
    }

    /// <summary>Records the loss rate now in force.</summary>
    public void Loss(Instant now, double previous, double next)
    {
        if (previous > LossyThreshold || next > LossyThreshold)
        {
            _lossyUntil = now;
        }
    }

    /// <summary>Loss above the threshold was in force at some point since <paramref name="since"/>.</summary>
    public bool LossySince(Instant since, double current) => current > LossyThreshold || _lossyUntil >= since;

    /// <summary>The last instant at which a block applied between the two nodes, in either direction (never: it still does).</summary>
    public Instant LastBad(int a, int b) => Blocked(a, b) || Blocked(b, a) ? Instant.Never : _lastBad[a, b];

    /// <summary>The end of the last exempt fault that touched the node (a one-way block ends when healed).</summary>
    public Instant ExemptUntil(int node)
    {
        for (int j = 0; j < _n; j++)
        {
            if (j != node && Blocked(node, j) != Blocked(j, node))
            {
                // A one-way block that still holds.
                return Instant.Never;
            }
        }

        return _exemptUntil[node];
    }

    /// <summary>
    /// True when a node other than the two is connected both ways to one of them and not to the other: the reachable
    /// sets are not transitive (a node that hears both sides of a partition), so no view can hold all three, and
    /// whichever view the middle node ends up in, a node connected to it reports it gone.
    /// </summary>
    public bool Bridged(int a, int b, Func<int, bool> up)
    {
        for (int c = 0; c < _n; c++)
        {
            if (c != a && c != b && up(c) && BothWays(a, c) != BothWays(b, c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The last instant at which <see cref="Bridged"/> held for the pair (any node counted, up or not).</summary>
    public Instant LastBridged(int a, int b) => _lastBridged[a, b];

    private void Capture(Instant now)
    {
        for (int a = 0; a < _n; a++)
        {
            for (int b = 0; b < _n; b++)
            {
                if (a != b && BothWays(a, b) && Bridged(a, b, _ => true))
                {
                    _lastBridged[a, b] = now;
                }
            }
        }

        for (int i = 0; i < _n; i++)
        {
            for (int j = 0; j < _n; j++)
            {
                if (i == j)
                {
                    continue;
                }

                bool ij = Blocked(i, j), ji = Blocked(j, i);
                if (ij || ji)
                {
                    _lastBad[i, j] = now;
                }

                if (ij != ji)
                {
                    Exempt(i, now);
                    Exempt(j, now);
                }
            }
        }
    }
}
