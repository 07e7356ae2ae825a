using System.Buffers;
using Muster.Core;

namespace Muster.Transport;

/// <summary>Called by <see cref="UdpTransport"/> for every datagram from a configured peer.</summary>
/// <remarks>
/// <para>
/// Runs on the transport's receive thread (one per bound endpoint, so calls for different endpoints can overlap).
/// It should only hand the datagram to the daemon's own queue: while it runs, that socket receives nothing.
/// </para>
/// <para>
/// The handler owns <paramref name="datagram"/>'s buffer, rented from <see cref="ArrayPool{T}.Shared"/>, and must
/// call <see cref="ReceivedDatagram.Return"/> exactly once when done with it (after decoding, typically on the
/// daemon's loop thread). A buffer that is never returned is simply collected by the GC; one returned twice
/// corrupts the pool. If the handler throws, the transport logs it and does not return the buffer.
/// </para>
/// </remarks>
public delegate void PacketHandler(ReceivedDatagram datagram);

/// <summary>One datagram from a configured peer, in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
/// <remarks>A value type with no per-packet allocation; copies share the buffer, so only one copy may call <see cref="Return"/>.</remarks>
public readonly struct ReceivedDatagram
{
    /// <summary>Wraps a rented buffer; <paramref name="length"/> bytes at its start are the datagram, received on link 0.</summary>
    public ReceivedDatagram(NodeId source, byte[] buffer, int length)
        : this(source, 0, buffer, length)
    {
    }

    /// <summary>Wraps a rented buffer; <paramref name="length"/> bytes at its start are the datagram.</summary>
    /// <param name="source">The configured node whose endpoint sent it.</param>
    /// <param name="link">The index of the local socket that received it (see <see cref="Link"/>).</param>
    /// <param name="buffer">The rented buffer.</param>
    /// <param name="length">The datagram's length.</param>
    public ReceivedDatagram(NodeId source, int link, byte[] buffer, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(link);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        Source = source;
        Link = link;
        Buffer = buffer;
        Length = length;
    }

    /// <summary>The configured node whose endpoint sent the datagram.</summary>
    public NodeId Source { get; }

    /// <summary>
    /// The index, in <see cref="UdpTransportOptions.Bind"/> order, of the local socket that received the datagram:
    /// the link it arrived on, since the daemon binds its link <c>i</c> address as socket <c>i</c>.
    /// </summary>
    public int Link { get; }

    /// <summary>The rented buffer; may be longer than <see cref="Length"/>.</summary>
    public byte[] Buffer { get; }

    /// <summary>The datagram's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The datagram's bytes.</summary>
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    /// <summary>The datagram's bytes.</summary>
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>Gives the buffer back to <see cref="ArrayPool{T}.Shared"/>; the datagram must not be used afterwards.</summary>
    public void Return()
    {
        if (Buffer is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
