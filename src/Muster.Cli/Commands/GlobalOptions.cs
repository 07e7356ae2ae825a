using System.CommandLine;
using System.CommandLine.Parsing;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Commands;

// Options every subcommand accepts (Recursive), and options several commands share.
internal sealed class GlobalOptions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public Option<string?> Socket { get; } = new("--socket", "-s")
    {
        Description = $"musterd's IPC socket (default: ${MusterClientOptions.SocketPathEnvironmentVariable}, else {MusterClientOptions.DefaultSocketPath})",
        HelpName = "PATH",
        Recursive = true,
    };

    // Nullable, with the default applied in GetTimeout, so that --help shows "10s" rather than "00:00:10".
    public Option<TimeSpan?> Timeout { get; } = new("--timeout", "-t")
    {
        Description = $"How long to wait for musterd: 500ms, 10s, 2m; a bare number is seconds (default {Duration.Format(DefaultTimeout)})",
        HelpName = "DURATION",
        Recursive = true,
        CustomParser = ParseTimeout,
    };

    public TimeSpan GetTimeout(ParseResult parseResult) => parseResult.GetValue(Timeout) ?? DefaultTimeout;

    // The socket path the client will use: --socket, else $MUSTER_SOCKET, else the default (the client's own rule).
    // Resolved before connecting so that error messages can name it.
    public string ResolveSocketPath(ParseResult parseResult) =>
        new MusterClientOptions { SocketPath = parseResult.GetValue(Socket) }.ResolveSocketPath();

    // --json, for the commands that read something.
    public static Option<bool> CreateJson() => new("--json")
    {
        Description = "Write JSON (snake_case field names, see docs/cli.md) instead of a table",
    };

    // A group name argument, checked as musterd will check it so a bad name is a usage error, not a daemon error.
    public static Argument<string> CreateGroup(string description)
    {
        var argument = new Argument<string>("GROUP") { Description = description };
        argument.Validators.Add(result =>
        {
            string? name = result.GetValueOrDefault<string>();
            if (name is not null && GroupName.Check(name, out string message) != GroupNameProblem.None)
            {
                result.AddError($"invalid group name '{name}': {message}");
            }
        });
        return argument;
    }

    // A positive count option (--count N).
    public static Option<int?> CreateCount(string description) => new("--count", "-n")
    {
        Description = description,
        HelpName = "N",
        CustomParser = result => ParseInt(result, "--count", 1, int.MaxValue),
    };

    // An integer option's value within bounds. A custom parser rather than a validator: a validator that reads the
    // value of a token that did not convert ("--count many") throws instead of reporting.
    public static int? ParseInt(ArgumentResult result, string option, int min, int max)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int value))
        {
            result.AddError($"{option} '{text}' is not a whole number");
            return null;
        }

        if (value < min || value > max)
        {
            result.AddError(max == int.MaxValue ? $"{option} must be at least {min}" : $"{option} must be between {min} and {max}");
            return null;
        }

        return value;
    }

    private static TimeSpan? ParseTimeout(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (!Duration.TryParse(text, out var value) || value <= TimeSpan.Zero)
        {
            result.AddError($"--timeout '{text}' is not a positive duration (for example 500ms, 10s, 2m)");
            return null;
        }

        return value;
    }
}
