namespace Muster.Ipc;

/// <summary>
/// Coalesces the frames one thread queues to each session into one socket write per session.
/// </summary>
/// <remarks>
/// The daemon's event loop opens a batch with <see cref="Begin"/> before it handles a burst of inputs and calls
/// <see cref="Flush"/> after. In between, every reply and event that thread queues is appended to its session's batch
/// buffer instead of being written at once, so a burst of deliveries costs one <c>send</c> per client rather than
/// one per frame. Frames queued by other threads (the sessions' own read loops) take the direct path as before.
/// Not thread-safe: one instance belongs to one thread.
/// </remarks>
public sealed class IpcWriteBatch
{
    [ThreadStatic]
    private static IpcWriteBatch? t_current;

    private readonly List<IpcSession> _dirty = [];

    /// <summary>The batch open on the calling thread, if any.</summary>
    internal static IpcWriteBatch? Current => t_current;

    /// <summary>Sessions written to in this batch so far.</summary>
    public int PendingSessions => _dirty.Count;

    /// <summary>From now on, frames this thread queues are held until <see cref="Flush"/>.</summary>
    public void Begin() => t_current = this;

    /// <summary>Hands every held frame to its session's writer, one coalesced write per session, and closes the batch.</summary>
    public void Flush()
    {
        t_current = null;
        foreach (var session in _dirty)
        {
            session.FlushBatch();
        }

        _dirty.Clear();
    }

    internal void Enlist(IpcSession session) => _dirty.Add(session);
}
