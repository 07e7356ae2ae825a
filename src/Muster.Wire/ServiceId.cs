namespace Muster.Wire;

/// <summary>
/// Which service of the node an ordered message or a point-to-point message belongs to. Values are on the wire
/// (docs/protocol.md §5): never renumber. 0 is never valid.
/// </summary>
/// <remarks>
/// 1 is the process-group layer, the only service a version-2 view carries (its messages have no service id on the
/// wire). 2-4 are reserved for quorum, fencing and the lock manager; 128-255 are for tests and experiments.
/// </remarks>
/// <param name="Value">The wire value.</param>
public readonly record struct ServiceId(byte Value)
{
    /// <summary>The process-group layer (CPG semantics).</summary>
    public static ServiceId Groups => new(1);

    /// <summary>Reserved: quorum.</summary>
    public static ServiceId Quorum => new(2);

    /// <summary>Reserved: fencing.</summary>
    public static ServiceId Fencing => new(3);

    /// <summary>Reserved: the lock manager.</summary>
    public static ServiceId Locks => new(4);

    /// <summary>False for 0, which no service has.</summary>
    public bool IsValid => Value != 0;

    /// <inheritdoc/>
    public override string ToString() => Value switch
    {
        1 => "groups",
        2 => "quorum",
        3 => "fencing",
        4 => "locks",
        _ => $"service {Value}",
    };
}
