namespace Muster.Membership;

/// <summary>Where a node is in the membership protocol. Sent in heartbeats: never renumber.</summary>
public enum NodeState : byte
{
    /// <summary>Started, not yet in any view.</summary>
    Joining = 1,
    /// <summary>In an installed view, delivering messages.</summary>
    Operational = 2,
    /// <summary>Promised to a proposed view: delivery of the old view is frozen until its cut-off is known.</summary>
    Flushing = 3,
    /// <summary>Leaving cleanly; no further input is processed.</summary>
    Left = 4,
}
