using System.Buffers;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Diagnostics;

namespace Muster.Transport;

/// <summary>The daemon's UDP transport: one blocking socket per bound endpoint, each with a dedicated receive thread.</summary>
/// <remarks>
/// <para>
/// Blocking sockets on dedicated threads keep a datagram's cost at what C pays: a thread-pool hop per packet would
/// cost more than the network round trip. Callers should pack many protocol messages into each datagram.
/// </para>
/// <para>
/// Receiving: after <see cref="Start"/>, each receive thread (named <c>muster-udp-rx</c>) reads into one reused
/// buffer, maps the source address and port to a configured <see cref="NodeId"/>, copies the datagram into a
/// pooled buffer and calls the <see cref="PacketHandler"/> on that thread (see there for the ownership rule).
/// Datagrams from unknown sources or larger than <see cref="UdpTransportOptions.MaxDatagramSize"/> are dropped,
/// counted and logged (rate-limited).
/// </para>
/// <para>
/// Sending: <see cref="Send"/> is a synchronous <c>sendto</c>. Network errors are counted and logged, never thrown.
/// It is meant for one sending thread (the daemon's loop); concurrent calls are safe but unordered.
/// </para>
/// </remarks>
public sealed class UdpTransport : IClusterTransport
{
    private const string Category = "transport";
    // Large enough for any UDP payload, so the kernel never truncates and an oversize datagram shows its real size.
    /// <summary>Bytes of the receive buffer: the largest UDP datagram.</summary>
    public const int ReceiveBufferLength = 65536;
    // Linux SOL_SOCKET options that bypass net.core.rmem_max/wmem_max when the process has CAP_NET_ADMIN.
    private const int SolSocket = 1;
    private const int SoSndBufForce = 32;
    private const int SoRcvBufForce = 33;
    // Windows reports an ICMP port unreachable as WSAECONNRESET on the next receive unless this is switched off.
    private const int SioUdpConnReset = -1744830452;
    private static readonly TimeSpan s_joinTimeout = TimeSpan.FromSeconds(5);

    private readonly Receiver[] _receivers;
    private readonly Socket[] _sockets;
    private readonly ILogger _logger;
    private readonly Action? _receiveThreadStarted;
    private readonly SharedRateLimiter _logLimiter;
    private readonly int _maxDatagramSize;
    private readonly TimeProvider _time;
    private PeerTable _peers;
    private readonly UnknownSources _unknown;
    private PacketHandler? _handler;
    private int _started;
    private int _disposed;

    private long _packetsSent;
    private long _bytesSent;
    private long _packetsReceived;
    private long _bytesReceived;
    private long _unknownSource;
    private long _oversize;
    private long _sendErrors;
    private long _sendTooBig;
    private long _receiveErrors;
    private long _handlerErrors;

    /// <summary>Creates and binds the sockets; receiving begins with <see cref="Start"/>.</summary>
    /// <exception cref="ArgumentException">
    /// The options are invalid (no bind endpoint, sizes out of range, an endpoint configured for two nodes).
    /// </exception>
    /// <exception cref="IOException">A socket could not be created or bound; the message names the endpoint.</exception>
    /// <param name="options">Sockets, peers and limits.</param>
    /// <param name="loggers">Where the transport's lines go (category <c>transport</c>).</param>
    public UdpTransport(UdpTransportOptions options, ILoggerFactory loggers)
    {
        ArgumentOutOfRangeException.ThrowIfZero(options.Bind.Count, nameof(options.Bind));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDatagramSize, 1, nameof(options.MaxDatagramSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(
            options.MaxDatagramSize, UdpTransportOptions.LargestDatagramSize, nameof(options.MaxDatagramSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReceiveBufferSize, 1, nameof(options.ReceiveBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SendBufferSize, 1, nameof(options.SendBufferSize));

        _logger = loggers.CreateLogger(Category);
        _logLimiter = new SharedRateLimiter(options.LogInterval);
        _unknown = new UnknownSources(options.LogInterval);
        _maxDatagramSize = options.MaxDatagramSize;
        _receiveThreadStarted = options.ReceiveThreadStarted;
        _time = options.TimeProvider;

        var receivers = new List<Receiver>(options.Bind.Count);
        try
        {
            foreach (IPEndPoint endpoint in options.Bind)
            {
                Socket socket = Open(endpoint, options);
                receivers.Add(new Receiver(socket, receivers.Count));
            }
            _receivers = [.. receivers];
            _sockets = [.. receivers.Select(r => r.Socket)];
            LocalEndpoints = [.. receivers.Select(r => (IPEndPoint)r.Socket.LocalEndPoint!)];
            _peers = PeerTable.Build(options.Peers, _sockets, _logger);
        }
        catch
        {
            foreach (Receiver receiver in receivers)
            {
                receiver.Socket.Dispose();
            }
            throw;
        }
    }

    /// <summary>The bound endpoints, in the order of <see cref="UdpTransportOptions.Bind"/>, with the ports actually bound.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndpoints { get; }

    /// <inheritdoc/>
    public int MaxDatagramSize => _maxDatagramSize;

    // For tests: the receive threads, null before Start.
    internal IReadOnlyList<Thread?> ReceiveThreads => [.. _receivers.Select(r => r.Thread)];

    /// <summary>Datagrams sent.</summary>
    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    /// <summary>Bytes sent (UDP payload).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Datagrams received from configured peers and handed to the handler.</summary>
    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    /// <summary>Bytes received from configured peers (UDP payload).</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Datagrams dropped because their source address and port belong to no configured peer.</summary>
    public long UnknownSource => Interlocked.Read(ref _unknownSource);

    /// <summary>
    /// The sources outside the node list whose datagrams were dropped lately (at most
    /// 16 of them; one silent for a minute gives its place to a new one).
    /// </summary>
    public IReadOnlyList<UnknownSource> RecentUnknownSources() => _unknown.Snapshot();

    /// <summary>Datagrams from peers dropped for being larger than <see cref="UdpTransportOptions.MaxDatagramSize"/>.</summary>
    public long OversizeDrops => Interlocked.Read(ref _oversize);

    /// <summary>Sends that failed (network errors, or a destination with no usable endpoint).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Sends refused with EMSGSIZE: larger than the path MTU with don't-fragment set (also in <see cref="SendErrors"/>).</summary>
    public long SendTooBig => Interlocked.Read(ref _sendTooBig);

    /// <summary>Receive calls that failed with an error other than shutdown.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Calls of the <see cref="PacketHandler"/> that threw.</summary>
    public long HandlerErrors => Interlocked.Read(ref _handlerErrors);

    /// <summary>This machine's unicast addresses (every interface, whatever its state) plus the loopback addresses.</summary>
    /// <remarks>Used to find the local node in the configuration. IPv6 link-local addresses carry their interface as scope.</remarks>
    public static IReadOnlyList<IPAddress> LocalAddresses()
    {
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        try
        {
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (UnicastIPAddressInformation unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (!addresses.Contains(unicast.Address))
                    {
                        addresses.Add(unicast.Address);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Interface enumeration can fail in restricted sandboxes; loopback alone still lets --node decide.
        }
        return addresses;
    }

    /// <summary>Starts the receive threads; each received datagram from a configured peer goes to <paramref name="handler"/>.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start(PacketHandler handler)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the transport is already started");
        }

        _handler = handler;
        foreach (Receiver receiver in _receivers)
        {
            receiver.Thread = new Thread(() => ReceiveLoop(receiver))
            {
                IsBackground = true,
                // Linux shows at most 15 characters of a thread name.
                Name = receiver.Index == 0 ? "muster-udp-rx" : $"muster-udp-rx{receiver.Index}",
            };
            receiver.Thread.Start();
        }
    }

    /// <summary>Replaces the configured peers (for a configuration reload). Safe to call from any thread.</summary>
    /// <exception cref="ArgumentException">An endpoint is configured for two nodes, or a node id is invalid.</exception>
    public void SetPeers(IReadOnlyDictionary<NodeId, IReadOnlyList<IPEndPoint>> peers) =>
        Volatile.Write(ref _peers, PeerTable.Build(peers, _sockets, _logger));

    /// <summary>Sends one datagram to <paramref name="destination"/>'s first configured endpoint (link 0).</summary>
    /// <remarks>See <see cref="Send(NodeId, int, ReadOnlySpan{byte})"/>.</remarks>
    /// <exception cref="ArgumentException">The datagram is too large (a caller bug).</exception>
    /// <exception cref="ObjectDisposedException">The transport is disposed.</exception>
    public void Send(NodeId destination, ReadOnlySpan<byte> datagram) => Send(destination, 0, datagram);

    /// <summary>
    /// The endpoint datagrams to <paramref name="node"/> over <paramref name="link"/> go to, or null when the node has
    /// no usable endpoint on that link.
    /// </summary>
    public IPEndPoint? PeerEndpoint(NodeId node, int link) =>
        Volatile.Read(ref _peers).TryGetTarget(node, link, out SendTarget? target) ? target.Endpoint : null;

    /// <summary>Sends one datagram to <paramref name="destination"/>'s endpoint on link <paramref name="link"/>.</summary>
    /// <remarks>
    /// Synchronous (<c>sendto</c> on a blocking socket, which only waits when the socket's send buffer is full).
    /// Network errors and unknown destinations are counted in <see cref="SendErrors"/> and logged rate-limited,
    /// never thrown. Intended for one sending thread.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The datagram is larger than <see cref="UdpTransportOptions.MaxDatagramSize"/> (a caller bug).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The transport is disposed.</exception>
    /// <param name="destination">The peer.</param>
    /// <param name="link">The link: the index into the peer's endpoints. It leaves from local socket <paramref name="link"/> when that one can reach it.</param>
    /// <param name="datagram">The bytes.</param>
    public void Send(NodeId destination, int link, ReadOnlySpan<byte> datagram)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (datagram.Length > _maxDatagramSize)
        {
            throw new ArgumentException(
                $"datagram of {datagram.Length} bytes is larger than the maximum of {_maxDatagramSize}", nameof(datagram));
        }

        if (!Volatile.Read(ref _peers).TryGetTarget(destination, link, out SendTarget? target))
        {
            Interlocked.Increment(ref _sendErrors);
            if (ShouldLog(LogLevel.Warning, "send-unknown", out long suppressed))
            {
                TransportLog.NoEndpoint(_logger, destination, link, suppressed);
            }
            return;
        }

        try
        {
            int sent = target.Socket.SendTo(datagram, SocketFlags.None, target.Address);
            Interlocked.Increment(ref _packetsSent);
            Interlocked.Add(ref _bytesSent, sent);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
        {
            Interlocked.Increment(ref _sendErrors);
            Interlocked.Increment(ref _sendTooBig);
            if (ShouldLog(LogLevel.Warning, target.LogKey, out long suppressed))
            {
                TransportLog.SendTooBig(_logger, datagram.Length, target.Node, target.Endpoint, target.Link, suppressed);
            }
        }
        catch (SocketException e)
        {
            Interlocked.Increment(ref _sendErrors);
            if (ShouldLog(LogLevel.Warning, target.LogKey, out long suppressed))
            {
                TransportLog.SendFailed(_logger, target.Node, target.Endpoint, target.Link, e.SocketErrorCode, e.Message, suppressed);
            }
        }
    }

    /// <summary>The counters as name/value pairs in a stable order (for <c>muster status</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
    [
        new("udp_packets_sent", PacketsSent),
        new("udp_bytes_sent", BytesSent),
        new("udp_packets_received", PacketsReceived),
        new("udp_bytes_received", BytesReceived),
        new("udp_unknown_source", UnknownSource),
        new("udp_oversize_dropped", OversizeDrops),
        new("udp_send_errors", SendErrors),
        new("udp_receive_errors", ReceiveErrors),
        new("udp_handler_errors", HandlerErrors),
        new("udp_send_too_big", SendTooBig),
    ];

    /// <summary>Closes the sockets and waits (up to 5 s each) for the receive threads to end.</summary>
    /// <remarks>The handler is not called after Dispose returns, except when Dispose is called from the handler itself.</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (Receiver receiver in _receivers)
        {
            if (receiver.Thread is not null && !OperatingSystem.IsLinux())
            {
                WakeReceiver(receiver.Socket);
            }
            // On Linux, closing a socket shuts it down first, which makes the blocked recvfrom return.
            receiver.Socket.Dispose();
        }

        foreach (Receiver receiver in _receivers)
        {
            if (receiver.Thread is { } thread && thread != Thread.CurrentThread && !thread.Join(s_joinTimeout))
            {
                TransportLog.ReceiveThreadStuck(_logger, thread.Name, s_joinTimeout.TotalSeconds);
            }
        }
    }

    private Socket Open(IPEndPoint endpoint, UdpTransportOptions options)
    {
        Socket? socket = null;
        try
        {
            socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = endpoint.Address.Equals(IPAddress.IPv6Any);
            }
            if (OperatingSystem.IsWindows())
            {
                socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
            }
            SetBufferSize(socket, endpoint, SocketOptionName.ReceiveBuffer, SoRcvBufForce, options.ReceiveBufferSize, "SO_RCVBUF");
            SetBufferSize(socket, endpoint, SocketOptionName.SendBuffer, SoSndBufForce, options.SendBufferSize, "SO_SNDBUF");
            if (options.DontFragment)
            {
                SetDontFragment(socket, endpoint);
            }
            socket.Bind(endpoint);
            TransportLog.Bound(_logger, socket.LocalEndPoint);
            return socket;
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            throw new IOException($"cannot bind UDP socket to {endpoint}: {e.SocketErrorCode} ({e.Message})", e);
        }
    }

    // Linux: IP_MTU_DISCOVER (IPPROTO_IP 0, option 10) / IPV6_MTU_DISCOVER (IPPROTO_IPV6 41, option 23) set to
    // PMTUDISC_DO (2): the kernel sets DF, learns the path MTU from ICMP "fragmentation needed" and refuses larger
    // sends with EMSGSIZE. Elsewhere IP may fragment, which still delivers.
    private void SetDontFragment(Socket socket, IPEndPoint endpoint)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        const int PmtuDiscDo = 2;
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.SetRawSocketOption(41, 23, BitConverter.GetBytes(PmtuDiscDo));
                if (socket.DualMode)
                {
                    socket.SetRawSocketOption(0, 10, BitConverter.GetBytes(PmtuDiscDo));
                }
            }
            else
            {
                socket.SetRawSocketOption(0, 10, BitConverter.GetBytes(PmtuDiscDo));
            }
        }
        catch (SocketException e)
        {
            TransportLog.DontFragmentUnavailable(_logger, endpoint, e.SocketErrorCode);
        }
    }

    // Best-effort: try the Linux *FORCE variant (needs CAP_NET_ADMIN, ignores the sysctl cap), then the plain option,
    // and say so when the kernel gave less than asked, since a small receive buffer drops bursts silently.
    private void SetBufferSize(Socket socket, IPEndPoint endpoint, SocketOptionName option, int forceOption, int size, string name)
    {
        bool forced = false;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                socket.SetRawSocketOption(SolSocket, forceOption, BitConverter.GetBytes(size));
                forced = true;
            }
            catch (SocketException)
            {
                // Not privileged: fall back to the capped option below.
            }
        }

        try
        {
            if (!forced)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, option, size);
            }
            // Linux reports twice the value set (it counts its bookkeeping), so a granted request reads back >= size.
            if (socket.GetSocketOption(SocketOptionLevel.Socket, option) is int actual && actual < size)
            {
                TransportLog.BufferSmaller(_logger, endpoint, name, actual, size);
            }
        }
        catch (SocketException e)
        {
            TransportLog.BufferNotSet(_logger, endpoint, name, size, e.SocketErrorCode);
        }
    }

    private void ReceiveLoop(Receiver receiver)
    {
        _receiveThreadStarted?.Invoke();
        Socket socket = receiver.Socket;
        byte[] buffer = receiver.Buffer;
        SocketAddress from = receiver.From;
        int consecutiveErrors = 0;
        while (true)
        {
            int length;
            try
            {
                from.Size = from.Buffer.Length;
                length = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (Exception) when (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                // Windows reports a datagram larger than the buffer this way; Linux never does with a 64 KiB buffer.
                Interlocked.Increment(ref _oversize);
                if (ShouldLog(LogLevel.Warning, "oversize", out long suppressed))
                {
                    TransportLog.ReceivedTooBig(_logger, buffer.Length, receiver.LocalEndpoint, suppressed);
                }
                continue;
            }
            catch (SocketException e)
            {
                Interlocked.Increment(ref _receiveErrors);
                if (ShouldLog(LogLevel.Warning, "receive-error", out long suppressed))
                {
                    TransportLog.ReceiveFailed(_logger, receiver.LocalEndpoint, e.SocketErrorCode, e.Message, suppressed);
                }
                if (++consecutiveErrors >= 16)
                {
                    // A persistent error must not turn this thread into a busy loop.
                    Thread.Sleep(TimeSpan.FromMilliseconds(10));
                }
                continue;
            }

            // A shutdown socket returns 0 bytes on Linux, which looks like an empty datagram; check first.
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }
            consecutiveErrors = 0;
            Deliver(receiver.Index, from, buffer, length);
        }
    }

    private void Deliver(int link, SocketAddress from, byte[] buffer, int length)
    {
        if (!Volatile.Read(ref _peers).TryFindSource(from, out NodeId source))
        {
            Interlocked.Increment(ref _unknownSource);
            // Nothing is ever sent back: a source outside the node list gets no answer, not even a refusal. The
            // table bounds the log lines too: a flood of spoofed addresses must not become a flood of log lines.
            if (_unknown.Record(from, Now(), out string? endpoint, out long suppressed) && _logger.IsEnabled(LogLevel.Warning))
            {
                if (endpoint is not null)
                {
                    TransportLog.UnknownSource(_logger, endpoint, suppressed);
                }
                else
                {
                    TransportLog.MoreUnknownSources(_logger, suppressed);
                }
            }
            return;
        }

        if (length > _maxDatagramSize)
        {
            Interlocked.Increment(ref _oversize);
            if (ShouldLog(LogLevel.Warning, "oversize", out long suppressed))
            {
                string described = UnknownSources.Describe(from);
                TransportLog.DatagramTooBig(_logger, length, source, described, _maxDatagramSize, suppressed);
            }
            return;
        }

        Interlocked.Increment(ref _packetsReceived);
        Interlocked.Add(ref _bytesReceived, length);
        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        buffer.AsSpan(0, length).CopyTo(copy);
        try
        {
            _handler!(new ReceivedDatagram(source, link, copy, length));
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _handlerErrors);
            if (ShouldLog(LogLevel.Error, "handler-error", out long suppressed))
            {
                TransportLog.HandlerFailed(_logger, source, suppressed, e);
            }
        }
    }

    // Sends an empty datagram to the socket's own address so a blocked receive returns on systems where closing
    // the socket does not wake it; the receive loop sees the disposed flag and ends.
    private static void WakeReceiver(Socket socket)
    {
        try
        {
            if (socket.LocalEndPoint is IPEndPoint local)
            {
                IPAddress address = local.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
                    : local.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
                    : local.Address;
                socket.SendTo([], new IPEndPoint(address, local.Port));
            }
        }
        catch (SocketException)
        {
            // Best effort; Dispose still closes the socket.
        }
    }

    // Checked before a message is formatted, so suppressed events cost no allocation.
    private bool ShouldLog(LogLevel level, string key, out long suppressed)
    {
        suppressed = 0;
        return _logger.IsEnabled(level) && _logLimiter.TryAcquire(key, Now(), out suppressed);
    }

    private Instant Now() => _time.GetInstant();

    private sealed class Receiver(Socket socket, int index)
    {
        public Socket Socket { get; } = socket;
        public int Index { get; } = index;
        public IPEndPoint LocalEndpoint { get; } = (IPEndPoint)socket.LocalEndPoint!;
        public byte[] Buffer { get; } = new byte[ReceiveBufferLength];
        public SocketAddress From { get; } = new(socket.AddressFamily, SocketAddress.GetMaximumAddressSize(socket.AddressFamily));
        public Thread? Thread { get; set; }
    }
}
