using System.Buffers;
using Muster.Core.Diagnostics;
using Muster.Diagnostics;
using Muster.Core.Random;

namespace Muster.Transport.Faults;

/// <summary>Sends one datagram that the <see cref="FaultInjector{TTarget}"/> held back.</summary>
internal delegate void DeferredSend<in TTarget>(TTarget target, ReadOnlySpan<byte> datagram);

/// <summary>
/// TEST-ONLY: holds every datagram for its drawn delay, then sends it from a thread of its own
/// (<c>muster-faults</c>). Used by <see cref="FaultInjectingTransport"/>, which the daemon puts in front of its UDP
/// transport only when <c>MUSTER_TEST_FAULTS</c> is set (see <see cref="TransportFaultOptions"/>).
/// </summary>
/// <remarks>
/// Delays are drawn with the project's <see cref="DeterministicRandom"/> seeded from the setting, so a schedule
/// is reproducible (System.Random's sequence is not promised across .NET versions). Datagrams whose due times
/// cross are sent in due-time order, which is how jitter and <c>reorder</c> reorder them.
/// </remarks>
internal sealed class FaultInjector<TTarget> : IDisposable
{
    private readonly TransportFaultOptions _options;
    private readonly DeferredSend<TTarget> _send;
    private readonly DeterministicRandom _random;
    private readonly TimeProvider _time;
    private readonly PriorityQueue<Held, (long Due, long Sequence)> _queue = new();
    // A plain object, not a Lock: the sending thread waits on it with Monitor.Wait.
    private readonly object _sync = new();
    private readonly Thread _thread;
    private long _sequence;
    private bool _disposed;

    // Due times are timestamps of the one shell clock; waiting for them is Monitor.Wait's real time, so a provider
    // other than the system's only changes what "now" reads, which is all the daemon needs of it.
    public FaultInjector(TransportFaultOptions options, DeferredSend<TTarget> send, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _send = send;
        _random = new DeterministicRandom(options.Seed);
        _thread = new Thread(Run) { IsBackground = true, Name = "muster-faults" };
        _thread.Start();
    }

    /// <summary>Datagrams held and not yet sent.</summary>
    public int Pending
    {
        get
        {
            lock (_sync)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>How long the next datagram is held (draws from the generator; exposed for tests).</summary>
    public TimeSpan NextHold()
    {
        lock (_sync)
        {
            return DrawHold();
        }
    }

    /// <summary>Copies the datagram and sends it to <paramref name="target"/> once its drawn delay has passed.</summary>
    public void Hold(TTarget target, ReadOnlySpan<byte> datagram)
    {
        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1));
        datagram.CopyTo(copy);
        lock (_sync)
        {
            if (_disposed)
            {
                ArrayPool<byte>.Shared.Return(copy);
                return;
            }

            long due = _time.GetTimestamp() + _time.ToTimestampDelta(DrawHold());
            _queue.Enqueue(new Held(target, copy, datagram.Length), (due, _sequence++));
            // Wake the sender only when this datagram is now the first due; otherwise it is already waiting long enough.
            if (_queue.TryPeek(out Held? first, out _) && ReferenceEquals(first.Buffer, copy))
            {
                Monitor.PulseAll(_sync);
            }
        }
    }

    /// <summary>Stops the sending thread; datagrams still held are dropped.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_sync);
        }

        if (_thread != Thread.CurrentThread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private TimeSpan DrawHold()
    {
        TimeSpan hold = _options.Delay;
        if (_options.Jitter > TimeSpan.Zero)
        {
            hold += TimeSpan.FromTicks((long)(_random.NextDouble() * _options.Jitter.Ticks));
        }

        if (_random.Chance(_options.ReorderShare))
        {
            hold += _options.ReorderDelay;
        }

        return hold;
    }

    private void Run()
    {
        while (true)
        {
            Held held;
            lock (_sync)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        while (_queue.TryDequeue(out Held? dropped, out _))
                        {
                            ArrayPool<byte>.Shared.Return(dropped.Buffer);
                        }

                        return;
                    }

                    if (_queue.TryPeek(out Held? first, out var key))
                    {
                        TimeSpan wait = _time.GetElapsedTime(_time.GetTimestamp(), key.Due);
                        if (wait <= TimeSpan.Zero)
                        {
                            held = _queue.Dequeue();
                            break;
                        }

                        Monitor.Wait(_sync, wait);
                    }
                    else
                    {
                        Monitor.Wait(_sync);
                    }
                }
            }

            try
            {
                _send(held.Target, held.Buffer.AsSpan(0, held.Length));
            }
            catch (ObjectDisposedException)
            {
                // The transport closed its sockets while this datagram was held: it is dropped, like a packet in flight.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(held.Buffer);
            }
        }
    }

    private sealed record Held(TTarget Target, byte[] Buffer, int Length);
}
