using System.Diagnostics.Metrics;

namespace Muster.Daemon;

/// <summary>
/// The daemon's counters as <see cref="System.Diagnostics.Metrics"/> instruments of the meter <c>Muster</c> (one per
/// counter that <c>muster status</c> shows, named <c>muster.&lt;counter&gt;</c>), for the Prometheus endpoint and any
/// other listener. The loop thread publishes a snapshot of the values (<see cref="Publish"/>); the instruments read
/// that snapshot from whatever thread collects them, never the engine's own state.
/// </summary>
internal sealed class DaemonMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Muster";

    // Values that go up and down; every other counter only grows.
    private static readonly HashSet<string> s_gauges = new(StringComparer.Ordinal)
    {
        "longest_stall_ms", "ipc_clients", "pending_send_bytes", "requests_waiting", "view_members",
    };

    private readonly Meter _meter = new(MeterName);
    private volatile Dictionary<string, long> _values;

    /// <param name="first">The first snapshot: it names the instruments.</param>
    public DaemonMetrics(IReadOnlyList<KeyValuePair<string, long>> first)
    {
        _values = ToDictionary(first);
        foreach (var (name, _) in first)
        {
            string key = name;
            if (s_gauges.Contains(key))
            {
                _meter.CreateObservableGauge($"muster.{key}", () => Read(key), description: $"{key} (as in muster status)");
            }
            else
            {
                _meter.CreateObservableCounter($"muster.{key}", () => Read(key), description: $"{key} (as in muster status)");
            }
        }
    }

    /// <summary>Publishes the loop's current values (called on the loop thread).</summary>
    public void Publish(IReadOnlyList<KeyValuePair<string, long>> values) => _values = ToDictionary(values);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private long Read(string key) => _values.GetValueOrDefault(key);

    private static Dictionary<string, long> ToDictionary(IReadOnlyList<KeyValuePair<string, long>> values)
    {
        var result = new Dictionary<string, long>(values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            // A name listed twice keeps its first value, as muster status shows it first.
            result.TryAdd(name, value);
        }

        return result;
    }
}
