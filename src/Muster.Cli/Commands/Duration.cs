using System.Globalization;

namespace Muster.Cli.Commands;

// Durations on the command line: a number with a unit (ms, s, m, h); a bare number means seconds.
internal static class Duration
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        string number = text;
        Func<double, TimeSpan> unit = TimeSpan.FromSeconds;
        if (text.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
        {
            (number, unit) = (text[..^2], TimeSpan.FromMilliseconds);
        }
        else if (text.EndsWith('s') || text.EndsWith('S'))
        {
            number = text[..^1];
        }
        else if (text.EndsWith('m') || text.EndsWith('M'))
        {
            (number, unit) = (text[..^1], TimeSpan.FromMinutes);
        }
        else if (text.EndsWith('h') || text.EndsWith('H'))
        {
            (number, unit) = (text[..^1], TimeSpan.FromHours);
        }

        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount)
            || double.IsNaN(amount) || double.IsInfinity(amount))
        {
            return false;
        }

        try
        {
            value = unit(amount);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    // "10s", "1.5s", "250ms": the shortest exact form, for messages.
    public static string Format(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalSeconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.###}ms");
}
