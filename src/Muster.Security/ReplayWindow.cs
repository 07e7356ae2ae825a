namespace Muster.Security;

/// <summary>
/// Which packet counters of one sender have been accepted: the highest, and a bitmap of the <see cref="Size"/> below
/// it. A counter seen before, or older than the window, is a replay.
/// </summary>
/// <remarks>
/// The window lets packets arrive out of order by up to <see cref="Size"/> positions (UDP reorders; a sender's
/// counter is shared by its packets to every peer, so the gaps one receiver sees are normal) while each counter is
/// still accepted at most once. The caller checks first (<see cref="IsFresh"/>), authenticates, and only then
/// records (<see cref="Accept"/>), so that forged packets cannot move the window.
/// </remarks>
internal sealed class ReplayWindow
{
    /// <summary>Counters tracked below the highest one.</summary>
    public const int Size = 1024;

    private const int Words = Size / 64;
    private readonly ulong[] _bits = new ulong[Words];
    private ulong _highest;

    /// <summary>The highest counter accepted, 0 before the first.</summary>
    public ulong Highest => _highest;

    /// <summary>True if <paramref name="counter"/> is neither seen nor too old. Counter 0 is never valid.</summary>
    public bool IsFresh(ulong counter)
    {
        if (counter == 0)
        {
            return false;
        }

        if (counter > _highest)
        {
            return true;
        }

        ulong behind = _highest - counter;
        if (behind >= Size)
        {
            return false;
        }

        return (_bits[Slot(counter)] & Bit(counter)) == 0;
    }

    /// <summary>Records <paramref name="counter"/> as accepted; call only after <see cref="IsFresh"/> and authentication.</summary>
    public void Accept(ulong counter)
    {
        if (counter > _highest)
        {
            ulong advance = counter - _highest;
            if (advance >= Size)
            {
                Array.Clear(_bits);
            }
            else
            {
                // Clear the slots of the counters that newly enter the window (they were last used Size counters ago).
                // Counted by offset, not by "c <= counter": with counter = ulong.MaxValue that test never fails.
                for (ulong i = 1; i <= advance; i++)
                {
                    ulong c = _highest + i;
                    _bits[Slot(c)] &= ~Bit(c);
                }
            }

            _highest = counter;
        }

        _bits[Slot(counter)] |= Bit(counter);
    }

    private static int Slot(ulong counter) => (int)(counter / 64 % Words);

    private static ulong Bit(ulong counter) => 1UL << (int)(counter % 64);
}
