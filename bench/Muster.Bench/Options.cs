using System.Globalization;

namespace Muster.Bench;

// A tiny "--key value" / "--flag" parser: the tool has three subcommands with a handful of options each.
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Options(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{a}'");
            }

            string key = a[2..];
            if (flags.Contains(key))
            {
                _values[key] = null;
            }
            else if (i + 1 < args.Count)
            {
                _values[key] = args[++i];
            }
            else
            {
                throw new UsageException($"option '{a}' needs a value");
            }
        }
    }

    public string Text(string key, string? fallback = null)
    {
        _used.Add(key);
        if (_values.TryGetValue(key, out string? v) && v is not null)
        {
            return v;
        }

        return fallback ?? throw new UsageException($"--{key} is required");
    }

    public long Integer(string key, long? fallback = null)
    {
        _used.Add(key);
        if (!_values.TryGetValue(key, out string? v) || v is null)
        {
            return fallback ?? throw new UsageException($"--{key} is required");
        }

        return long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n >= 0
            ? n
            : throw new UsageException($"--{key}: '{v}' is not a non-negative integer");
    }

    public TimeSpan Seconds(string key, double? fallback = null)
    {
        _used.Add(key);
        if (!_values.TryGetValue(key, out string? v) || v is null)
        {
            return TimeSpan.FromSeconds(fallback ?? throw new UsageException($"--{key} is required"));
        }

        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0
            ? TimeSpan.FromSeconds(s)
            : throw new UsageException($"--{key}: '{v}' is not a number of seconds");
    }

    public bool Flag(string key)
    {
        _used.Add(key);
        return _values.ContainsKey(key);
    }

    public void RejectUnknown()
    {
        foreach (string key in _values.Keys)
        {
            if (!_used.Contains(key))
            {
                throw new UsageException($"unknown option --{key}");
            }
        }
    }
}

internal sealed class UsageException(string message) : Exception(message);
