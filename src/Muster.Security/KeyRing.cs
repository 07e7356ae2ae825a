namespace Muster.Security;

/// <summary>What <see cref="KeyRing.Load"/> did with a key read from the key file.</summary>
public enum KeyLoadResult
{
    /// <summary>The file holds the key already in use: nothing changed.</summary>
    Unchanged,
    /// <summary>The new key is accepted for receiving; this node still sends with the current one.</summary>
    Staged,
    /// <summary>The file holds the key already staged: nothing changed.</summary>
    AlreadyStaged,
}

/// <summary>
/// The keys a node holds: the current one (it seals with it), and during a rotation a staged new one or a previous
/// old one, which it accepts but does not seal with.
/// </summary>
/// <remarks>
/// A rotation runs in three phases, each carried out on every node before the next starts, so that no node ever
/// receives a packet sealed with a key it does not hold:
/// <list type="number">
/// <item><see cref="Load"/>: the new key is staged (accepted, not used to send);</item>
/// <item><see cref="Activate"/>: the node sends with the new key; the old one is still accepted;</item>
/// <item><see cref="Retire"/>: the old key is dropped.</item>
/// </list>
/// </remarks>
public sealed class KeyRing
{
    /// <summary>Creates a ring holding only <paramref name="current"/>.</summary>
    public KeyRing(ClusterKey current)
    {
        Current = current;
    }

    /// <summary>The key this node seals with.</summary>
    public ClusterKey Current { get; private set; }

    /// <summary>A new key loaded and accepted, not yet sealed with (phase 1 of a rotation).</summary>
    public ClusterKey? Staged { get; private set; }

    /// <summary>The key used before the last <see cref="Activate"/>, still accepted until <see cref="Retire"/>.</summary>
    public ClusterKey? Previous { get; private set; }

    /// <summary>Grows at every change, so that derived keys can be re-derived.</summary>
    public int Generation { get; private set; }

    /// <summary>The key with <paramref name="fingerprint"/> among those accepted, or null.</summary>
    public ClusterKey? Find(uint fingerprint) =>
        Current.Fingerprint == fingerprint ? Current
        : Staged?.Fingerprint == fingerprint ? Staged
        : Previous?.Fingerprint == fingerprint ? Previous
        : null;

    /// <summary>Every key accepted, the current one first.</summary>
    public IReadOnlyList<ClusterKey> Accepted =>
        [Current, .. Staged is null ? Array.Empty<ClusterKey>() : [Staged], .. Previous is null ? Array.Empty<ClusterKey>() : [Previous]];

    /// <summary>Phase 1: accepts <paramref name="key"/> (read from the key file again) besides the current key.</summary>
    /// <remarks>A second new key replaces a staged one that was never activated.</remarks>
    public KeyLoadResult Load(ClusterKey key)
    {
        if (key.Fingerprint == Current.Fingerprint)
        {
            return KeyLoadResult.Unchanged;
        }

        if (key.Fingerprint == Staged?.Fingerprint)
        {
            return KeyLoadResult.AlreadyStaged;
        }

        Staged = key;
        Generation++;
        return KeyLoadResult.Staged;
    }

    /// <summary>Phase 2: seals with the staged key from now on; the old one stays accepted. False if none is staged.</summary>
    public bool Activate()
    {
        if (Staged is null)
        {
            return false;
        }

        Previous = Current;
        Current = Staged;
        Staged = null;
        Generation++;
        return true;
    }

    /// <summary>Phase 3: drops the previous key. False if there is none.</summary>
    public bool Retire()
    {
        if (Previous is null)
        {
            return false;
        }

        Previous = null;
        Generation++;
        return true;
    }
}
