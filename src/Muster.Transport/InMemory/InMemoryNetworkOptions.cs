using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Muster.Transport.InMemory;

/// <summary>Limits and sources of an <see cref="InMemoryNetwork"/>.</summary>
public sealed record InMemoryNetworkOptions
{
    /// <summary>
    /// Datagrams each transport holds for delivery (its "socket receive buffer"); one that arrives when it is full is
    /// dropped and counted, as the kernel would.
    /// </summary>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>Largest datagram a transport sends (the same bound as UDP's).</summary>
    public int MaxDatagramSize { get; init; } = UdpTransportOptions.LargestDatagramSize;

    /// <summary>Seed of the generator that draws the losses set with <see cref="InMemoryNetwork.SetLoss"/>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Where the transports log a handler that threw (category <c>transport</c>).</summary>
    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;
}
