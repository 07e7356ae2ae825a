using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Muster.Configuration;

// The string forms used inside values: durations ("600ms"), sizes ("64KiB"), node addresses and octal modes.
// Each TryParse returns a complete problem description (what is wrong and what is expected) for the message.
internal static class ValueSyntax
{
    public const string DurationExpected = "(expected e.g. \"600ms\" or \"2s\")";
    public const string SizeExpected = "(expected bytes as an integer, or a string such as \"64KiB\" or \"1MiB\")";
    public const string AddressExpected =
        "(expected an IP address such as \"192.168.1.10\", \"192.168.1.10:5406\", \"fe80::1%eth0\" or \"[fe80::1%eth0]:5406\"; "
        + "host names are not resolved)";

    private const long Kib = 1024;

    public static bool TryParseDuration(string text, out TimeSpan value, out string problem)
    {
        value = default;
        problem = $"{Quote(text)} is not a duration {DurationExpected}";
        int i = 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }
        string number = text[..i];
        string unit = text[i..];
        if (number.Length == 0 || number[0] == '.' || number[^1] == '.'
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount))
        {
            if (number.Length == 0 && text.Length > 0 && text[0] == '-')
            {
                problem = $"{Quote(text)} is not a duration (durations cannot be negative) {DurationExpected}";
            }
            return false;
        }
        decimal ticksPerUnit = unit switch
        {
            "ns" => 0.01m,
            "us" or "µs" => TimeSpan.TicksPerMicrosecond,
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" or "min" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            _ => 0m,
        };
        if (ticksPerUnit == 0m)
        {
            problem = unit.Length == 0
                ? $"{Quote(text)} is not a duration (a unit is required: ns, us, ms, s, m or h) {DurationExpected}"
                : $"{Quote(text)} is not a duration (unknown unit \"{unit}\"; use ns, us, ms, s, m or h) {DurationExpected}";
            return false;
        }
        if (amount > TimeSpan.MaxValue.Ticks / ticksPerUnit)
        {
            problem = $"{Quote(text)} is too long to be a duration";
            return false;
        }
        decimal ticks = amount * ticksPerUnit;
        if (decimal.Truncate(ticks) != ticks)
        {
            problem = $"{Quote(text)} is finer than the 100ns resolution of durations";
            return false;
        }
        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    // The shortest exact form: "2s", "600ms", "250us", "100ns".
    public static string FormatDuration(TimeSpan value)
    {
        long ticks = value.Ticks;
        if (ticks != 0 && ticks % TimeSpan.TicksPerSecond == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}s");
        }
        if (ticks % TimeSpan.TicksPerMillisecond == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerMillisecond}ms");
        }
        if (ticks % TimeSpan.TicksPerMicrosecond == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerMicrosecond}us");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{ticks * 100}ns");
    }

    public static bool TryParseSize(string text, out long value, out string problem)
    {
        value = 0;
        problem = $"{Quote(text)} is not a size {SizeExpected}";
        int i = 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }
        string digits = text[..i].Replace("_", "", StringComparison.Ordinal);
        string unit = text[i..];
        long multiplier = unit switch
        {
            "" or "B" => 1,
            "KiB" => Kib,
            "MiB" => Kib * Kib,
            "GiB" => Kib * Kib * Kib,
            _ => 0,
        };
        if (multiplier == 0)
        {
            if (unit is "K" or "KB" or "k" or "kB" or "M" or "MB" or "G" or "GB")
            {
                problem = $"{Quote(text)} is not a size (write binary units: KiB, MiB or GiB) {SizeExpected}";
            }
            return false;
        }
        if (digits.Length == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long amount))
        {
            return false;
        }
        if (amount > long.MaxValue / multiplier)
        {
            problem = $"{Quote(text)} is too large";
            return false;
        }
        value = amount * multiplier;
        return true;
    }

    // Whole gibi-, mebi- or kibibytes read better ("1MiB"); anything else stays in bytes.
    public static string FormatSize(long bytes) =>
        bytes != 0 && bytes % (Kib * Kib * Kib) == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (Kib * Kib * Kib)}GiB")
        : bytes != 0 && bytes % (Kib * Kib) == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (Kib * Kib)}MiB")
        : bytes != 0 && bytes % Kib == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / Kib}KiB")
        : bytes.ToString(CultureInfo.InvariantCulture);

    // "1.2.3.4", "1.2.3.4:5406", "fe80::1", "fe80::1%eth0", "[fe80::1%eth0]:5406". Only literal addresses: the
    // membership must not depend on DNS answering at start-up.
    public static bool TryParseEndpoint(string text, int defaultPort, out IPEndPoint? endpoint, out string problem)
    {
        endpoint = null;
        problem = $"{Quote(text)} is not an IP address {AddressExpected}";
        string host = text;
        int port = defaultPort;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                problem = $"{Quote(text)} is not an IP address (missing ']') {AddressExpected}";
                return false;
            }
            host = text[1..close];
            string rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':' || !TryParsePort(text, rest[1..], out port, out problem))
                {
                    if (rest[0] != ':')
                    {
                        problem = $"{Quote(text)} is not an IP address (unexpected text after ']') {AddressExpected}";
                    }
                    return false;
                }
            }
            if (!host.Contains(':'))
            {
                problem = $"{Quote(text)}: brackets are only for IPv6 addresses (write \"{host}{rest}\")";
                return false;
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            if (!TryParsePort(text, text[(colon + 1)..], out port, out problem))
            {
                return false;
            }

            // The port was fine; what can still fail is the address ("localhost:5405" named a host, not an address).
            problem = $"{Quote(text)} is not an IP address {AddressExpected}";
        }

        IPAddress? address;
        if (host.Contains(':'))
        {
            if (!TryParseIPv6(host, out address, ref problem))
            {
                return false;
            }
        }
        else if (!TryParseIPv4(host, out address))
        {
            return false;
        }
        endpoint = new IPEndPoint(address!, port);
        return true;
    }

    private static bool TryParsePort(string text, string portText, out int port, out string problem)
    {
        problem = "";
        if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            port = 0;
            problem = $"{Quote(text)} has an invalid port \"{portText}\" (expected 1..65535)";
            return false;
        }
        if (port is < 1 or > 65535)
        {
            problem = $"{Quote(text)} has port {port}, out of range (expected 1..65535)";
            return false;
        }
        return true;
    }

    // Strict dotted quad: IPAddress.Parse also takes "1.2.3" and "010.0.0.1" (octal in some parsers), which would
    // silently mean something else than the operator typed.
    private static bool TryParseIPv4(string text, out IPAddress? address)
    {
        address = null;
        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }
        foreach (string part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || part.Length > 1 && part[0] == '0'
                || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }
        address = IPAddress.Parse(text);
        return true;
    }

    private static bool TryParseIPv6(string text, out IPAddress? address, ref string problem)
    {
        address = null;
        int percent = text.IndexOf('%', StringComparison.Ordinal);
        string bare = percent < 0 ? text : text[..percent];
        string scope = percent < 0 ? "" : text[(percent + 1)..];
        if (!bare.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
            || !IPAddress.TryParse(bare, out IPAddress? parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        if (percent < 0)
        {
            address = parsed;
            return true;
        }
        if (scope.Length == 0)
        {
            problem = $"{Quote(text)} has an empty scope after '%' (expected an interface name or index, e.g. \"fe80::1%eth0\")";
            return false;
        }
        if (scope.All(char.IsAsciiDigit))
        {
            if (!uint.TryParse(scope, NumberStyles.None, CultureInfo.InvariantCulture, out uint index))
            {
                problem = $"{Quote(text)} has an invalid scope index \"{scope}\"";
                return false;
            }
            address = new IPAddress(parsed.GetAddressBytes(), index);
            return true;
        }
        // The runtime resolves interface names to indexes; an unknown name silently yields scope 0, which would
        // make a link-local address unreachable, so that is an error here.
        if (!IPAddress.TryParse(text, out IPAddress? scoped) || scoped.ScopeId == 0)
        {
            problem = $"{Quote(text)}: there is no network interface \"{scope}\" on this machine "
                + "(expected an existing interface name or a numeric scope index)";
            return false;
        }
        address = scoped;
        return true;
    }

    // Written the way it is read: "1.2.3.4" when the port is the cluster's, else "1.2.3.4:5406" / "[fe80::1%2]:5406".
    public static string FormatEndpoint(IPEndPoint endpoint, int defaultPort) =>
        endpoint.Port == defaultPort ? endpoint.Address.ToString() : endpoint.ToString();

    public static bool TryParseMode(string text, out int mode)
    {
        mode = 0;
        string digits = text.StartsWith("0o", StringComparison.Ordinal) ? text[2..] : text;
        if (digits.Length is 0 or > 4 || !digits.All(c => c is >= '0' and <= '7'))
        {
            return false;
        }
        foreach (char c in digits)
        {
            mode = mode * 8 + (c - '0');
        }
        return true;
    }

    public static string FormatMode(int mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');

    public static string Quote(string text) => Toml.TomlValue.Quote(text);
}
