using System.Globalization;

namespace Muster.Transport.Faults;

/// <summary>
/// TEST-ONLY settings of the transport's fault layer: every datagram sent is held back before it goes to the
/// socket. Read from the <c>MUSTER_TEST_FAULTS</c> environment variable; never set in production.
/// </summary>
/// <remarks>
/// The format is a comma-separated list of <c>key=value</c>: <c>delay=20ms</c> (every datagram),
/// <c>jitter=10ms</c> (plus a uniform extra in [0, jitter)), <c>reorder=5%</c> (this share of datagrams is held
/// back by a further <c>reorder_delay</c>, default 5ms, so later datagrams overtake it) and <c>seed=42</c> (the
/// generator's seed, default 1, so a run's schedule can be replayed). Durations take <c>us</c>, <c>ms</c> or
/// <c>s</c>. The kernel's <c>tc netem</c> would do this below the transport, but it is not available on the
/// machines the tests run on; holding datagrams in the sender keeps addresses and ports intact.
/// </remarks>
public sealed record TransportFaultOptions
{
    /// <summary>The environment variable the daemon's transport reads at start.</summary>
    public const string EnvironmentVariable = "MUSTER_TEST_FAULTS";

    private static readonly TimeSpan s_maxHold = TimeSpan.FromSeconds(10);

    /// <summary>Fixed delay of every datagram.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Upper bound (exclusive) of a uniform extra delay per datagram.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Share of datagrams, 0 to 1, held back by a further <see cref="ReorderDelay"/>.</summary>
    public double ReorderShare { get; init; }

    /// <summary>The extra hold of a reordered datagram.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Seed of the generator that draws jitter and reordering.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The text this was parsed from (for the start-up warning).</summary>
    public string Text { get; init; } = "";

    /// <summary>True when some datagram would be held back.</summary>
    public bool IsActive => Delay > TimeSpan.Zero || Jitter > TimeSpan.Zero || ReorderShare > 0;

    /// <summary>The settings in <c>MUSTER_TEST_FAULTS</c>, or null when it is unset or empty.</summary>
    /// <exception cref="ArgumentException">The variable is set but malformed.</exception>
    public static TransportFaultOptions? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } text ? Parse(text) : null;

    /// <summary>Parses <c>delay=20ms,jitter=10ms,reorder=5%,reorder_delay=5ms,seed=42</c> (any subset, any order).</summary>
    /// <exception cref="ArgumentException">An unknown key, a key given twice, or a value out of range; the message says which.</exception>
    public static TransportFaultOptions Parse(string text)
    {
        var options = new TransportFaultOptions { Text = text };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Bad(text, $"'{part}' is not key=value");
            }

            string key = part[..eq].Trim();
            string value = part[(eq + 1)..].Trim();
            if (!seen.Add(key))
            {
                throw Bad(text, $"'{key}' is given twice");
            }

            options = key switch
            {
                "delay" => options with { Delay = ParseDuration(text, key, value) },
                "jitter" => options with { Jitter = ParseDuration(text, key, value) },
                "reorder" => options with { ReorderShare = ParsePercent(text, key, value) },
                "reorder_delay" => options with { ReorderDelay = ParseDuration(text, key, value) },
                "seed" => options with
                {
                    Seed = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
                        ? seed : throw Bad(text, $"seed '{value}' is not an unsigned integer"),
                },
                _ => throw Bad(text, $"unknown key '{key}' (expected delay, jitter, reorder, reorder_delay, seed)"),
            };
        }

        return options;
    }

    private static TimeSpan ParseDuration(string text, string key, string value)
    {
        (string number, double unitTicks) = value switch
        {
            _ when value.EndsWith("us", StringComparison.Ordinal) => (value[..^2], TimeSpan.TicksPerMicrosecond),
            _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], TimeSpan.TicksPerMillisecond),
            _ when value.EndsWith('s') => (value[..^1], TimeSpan.TicksPerSecond),
            _ => throw Bad(text, $"{key} '{value}' needs a unit (us, ms or s)"),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
        {
            throw Bad(text, $"{key} '{value}' is not a duration");
        }

        var duration = TimeSpan.FromTicks((long)Math.Round(amount * unitTicks));
        return duration <= s_maxHold ? duration : throw Bad(text, $"{key} '{value}' is longer than {s_maxHold.TotalSeconds:0} s");
    }

    private static double ParsePercent(string text, string key, string value)
    {
        if (!value.EndsWith('%') ||
            !double.TryParse(value[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double percent) ||
            percent > 100)
        {
            throw Bad(text, $"{key} '{value}' is not a percentage from 0% to 100%");
        }

        return percent / 100;
    }

    private static ArgumentException Bad(string text, string why) =>
        new($"{EnvironmentVariable}=\"{text}\": {why}");
}
