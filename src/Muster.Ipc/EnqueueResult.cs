namespace Muster.Ipc;

/// <summary>What happened to an event offered to a client's queue.</summary>
public enum EnqueueResult
{
    /// <summary>Queued; the queue is below the high-water mark.</summary>
    Queued,

    /// <summary>
    /// Queued, but the queue is at or above the high-water mark: the client is not keeping up. The daemon should stop
    /// accepting this client's sends (answer TryAgain or hold replies) until <see cref="IpcSession.Drained"/> fires.
    /// </summary>
    AboveHighWater,

    /// <summary>Not queued: the queue limit was reached, so the server closed the client.</summary>
    Overflow,

    /// <summary>Not queued: the session is already closed.</summary>
    Closed,
}
