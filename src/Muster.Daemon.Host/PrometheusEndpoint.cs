using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Muster.Daemon.Host;

/// <summary>
/// A local HTTP endpoint serving the instruments of one <see cref="Meter"/> in the Prometheus text format at
/// <c>/metrics</c>, collected with a <see cref="MeterListener"/> at each scrape.
/// </summary>
/// <remarks>
/// Written by hand (a listener thread and a few lines of HTTP/1.0) because the exporters in the package lists pull
/// in ASP.NET Core or OpenTelemetry, which the Native AOT daemon does not otherwise need. Each scrape is served on
/// the endpoint's own thread, one at a time, with a bounded request (8 KiB) and a 2 s timeout, so a slow or hostile
/// client cannot hold the daemon's loop or its memory, nor the endpoint for longer than that timeout.
/// </remarks>
public sealed class PrometheusEndpoint : IDisposable
{
    private const int MaxRequest = 8192;
    private static readonly TimeSpan s_ioTimeout = TimeSpan.FromSeconds(2);
    private readonly TcpListener _listener;
    private readonly MeterListener _meters = new();
    private readonly string _meterName;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly List<(Instrument Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _collected = [];
    private readonly Thread _thread;
    private readonly TimeProvider _time;
    private volatile bool _disposed;

    /// <summary>Binds <paramref name="listen"/>; serving starts with <see cref="Start"/>.</summary>
    /// <exception cref="IOException">The endpoint cannot be bound; the message names it.</exception>
    /// <param name="listen">The address and port to bind.</param>
    /// <param name="meterName">The meter whose instruments are served.</param>
    /// <param name="loggers">Where the endpoint's lines go (category <c>metrics</c>).</param>
    /// <param name="time">The clock of the per-request deadline (default <see cref="TimeProvider.System"/>).</param>
    public PrometheusEndpoint(IPEndPoint listen, string meterName, ILoggerFactory loggers, TimeProvider? time = null)
    {
        _meterName = meterName;
        _time = time ?? TimeProvider.System;
        _logger = loggers.CreateLogger("metrics");
        _listener = new TcpListener(listen);
        try
        {
            _listener.Start();
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot listen for metrics on {listen} (metrics.listen): {e.SocketErrorCode} ({e.Message})", e);
        }

        LocalEndpoint = (IPEndPoint)_listener.LocalEndpoint;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == _meterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _collected.Add((instrument, value, tags.ToArray())));
        _thread = new Thread(Serve) { IsBackground = true, Name = "muster-metrics" };
    }

    /// <summary>The endpoint actually bound (the port, when 0 was asked for).</summary>
    public IPEndPoint LocalEndpoint { get; }

    /// <summary>Starts serving scrapes.</summary>
    public void Start()
    {
        _meters.Start();
        _thread.Start();
        HostLog.ServingMetrics(_logger, LocalEndpoint);
    }

    /// <summary>The current values in the Prometheus text format (what a scrape gets).</summary>
    public string Render()
    {
        lock (_sync)
        {
            _collected.Clear();
            _meters.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var group in _collected.GroupBy(c => c.Instrument))
            {
                var instrument = group.Key;
                bool counter = instrument is ObservableCounter<long> or Counter<long>;
                string name = instrument.Name.Replace('.', '_') + (counter ? "_total" : "");
                text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description ?? instrument.Name).Append('\n');
                text.Append("# TYPE ").Append(name).Append(counter ? " counter\n" : " gauge\n");
                foreach (var (_, value, tags) in group)
                {
                    text.Append(name);
                    if (tags.Length > 0)
                    {
                        text.Append('{').AppendJoin(',', tags.Select(t => $"{t.Key}=\"{Escape(t.Value)}\"")).Append('}');
                    }

                    text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }

            return text.ToString();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        _listener.Stop();
        _meters.Dispose();
        if (_thread.IsAlive && _thread != Thread.CurrentThread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private static string Escape(object? value) =>
        (Convert.ToString(value, CultureInfo.InvariantCulture) ?? "").Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private void Serve()
    {
        while (!_disposed)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                if (!_disposed)
                {
                    // Out of descriptors, say: back off rather than spin, and say so.
                    HostLog.AcceptFailed(_logger, e.Message);
                    Thread.Sleep(s_ioTimeout / 4);
                }

                continue;
            }

            using (client)
            {
                try
                {
                    Answer(client);
                }
                catch (Exception e)
                {
                    // Whatever a client does, the endpoint's thread must survive it (an escaping exception would end
                    // the daemon).
                    HostLog.ScrapeFailed(_logger, e.Message);
                }
            }
        }
    }

    private void Answer(Socket client)
    {
        client.SendTimeout = (int)s_ioTimeout.TotalMilliseconds;
        // One deadline for the whole request: a client trickling a byte at a time cannot hold the endpoint.
        long started = _time.GetTimestamp();
        var buffer = new byte[MaxRequest];
        int length = 0;
        while (length < buffer.Length)
        {
            TimeSpan left = s_ioTimeout - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || !client.Poll(left, SelectMode.SelectRead))
            {
                return;
            }

            int n = client.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            length += n;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0 || buffer.AsSpan(0, length).IndexOf("\n\n"u8) >= 0)
            {
                break;
            }
        }

        string request = Encoding.ASCII.GetString(buffer, 0, length);
        string firstLine = request.Split('\n', 2)[0].TrimEnd('\r');
        string[] parts = firstLine.Split(' ');
        (string status, string body) = parts.Length >= 2 && parts[0] == "GET" && (parts[1] == "/metrics" || parts[1].StartsWith("/metrics?", StringComparison.Ordinal))
            ? ("200 OK", Render())
            : ("404 Not Found", "only GET /metrics is served here\n");
        byte[] payload = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.0 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
        client.Send(Encoding.ASCII.GetBytes(head));
        client.Send(payload);
    }
}
