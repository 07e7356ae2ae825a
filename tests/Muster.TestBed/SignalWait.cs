namespace Muster.TestBed;

/// <summary>Waits for a condition that is re-checked each time a signal fires, up to a deadline (no sleeps).</summary>
internal static class SignalWait
{
    /// <summary>Returns once <paramref name="condition"/> holds, checking it now and after every signal.</summary>
    /// <param name="signal">The task that completes at the next change (read under its owner's lock).</param>
    /// <param name="condition">What to wait for.</param>
    /// <param name="timeout">How long at most.</param>
    /// <param name="failure">The message of the <see cref="TimeoutException"/> when it does not hold in time.</param>
    /// <param name="cancellationToken">Cancels the wait (not a timeout).</param>
    public static async Task UntilAsync(Func<Task> signal, Func<bool> condition, TimeSpan timeout, Func<string> failure,
        CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            // Read the signal before checking, so a change between the check and the wait is not missed.
            var changed = signal();
            if (condition())
            {
                return;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(failure());
            }
        }
    }
}
