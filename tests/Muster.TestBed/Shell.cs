using System.Diagnostics;

namespace Muster.TestBed;

/// <summary>Runs the network tools (<c>ip</c>, <c>nft</c>) and returns their output.</summary>
internal static class Shell
{
    // A tool that takes this long is stuck; the test bed must not hang a CI run.
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public bool Ok => ExitCode == 0;
    }

    /// <summary>Runs a command; never throws for a non-zero exit (see <see cref="Must"/>).</summary>
    public static Result Run(string file, IEnumerable<string> args, string? stdin = null)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new Result(127, "", $"{file}: {e.Message}");
        }

        using (process)
        {
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }

            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new Result(124, output.Result, $"{file} {string.Join(' ', args)}: timed out after {s_timeout.TotalSeconds:0} s");
            }

            process.WaitForExit();
            return new Result(process.ExitCode, output.Result, error.Result);
        }
    }

    public static Result Run(string file, params string[] args) => Run(file, (IEnumerable<string>)args);

    /// <summary>Runs a command and throws, with its stderr, when it fails.</summary>
    public static string Must(string file, params string[] args) => MustWithInput(file, null, args);

    public static string MustWithInput(string file, string? stdin, params string[] args)
    {
        Result r = Run(file, args, stdin);
        return r.Ok ? r.Output
            : throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` failed ({r.ExitCode}): {r.Error.Trim()}");
    }
}
