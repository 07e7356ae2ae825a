using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Muster.Daemon.Fencing;

/// <summary>What became of one fence agent run.</summary>
/// <param name="ExitCode">Its exit status; -1 when it could not be started.</param>
/// <param name="TimedOut">It was killed at its timeout (a failure, never a success).</param>
/// <param name="Output">Its last output lines (stdout and stderr, interleaved as read), at most <see cref="FenceAgentRunner.MaxOutputChars"/> characters.</param>
/// <param name="Duration">From start to exit (or to the kill).</param>
internal readonly record struct FenceAgentOutcome(int ExitCode, bool TimedOut, string Output, TimeSpan Duration);

/// <summary>
/// Runs one ClusterLabs fence agent the way Pacemaker's fencer does: the agent executable with no arguments, the
/// key=value lines on stdin (then stdin closed), stdout and stderr captured (bounded), killed with its process group
/// when the timeout passes. The shell side of <c>RunFenceAgent</c>; the node's fencing service decides what to run.
/// </summary>
/// <remarks>
/// Written by hand on <see cref="Process"/>: no library runs fence agents, and the protocol is a few lines on stdin.
/// The agent inherits no stdin of the daemon's, and its environment is the daemon's with nothing added.
/// </remarks>
internal static class FenceAgentRunner
{
    /// <summary>The most output kept: the tail, where agents say what failed.</summary>
    public const int MaxOutputChars = 4096;

    /// <summary>Where agents are looked for when the configured name has no slash (Debian's fence-agents installs in /usr/sbin).</summary>
    public static readonly IReadOnlyList<string> SearchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin"];

    /// <summary>The agent's full path: as given when it contains a slash, else the first match in <see cref="SearchPath"/>.</summary>
    public static string? Resolve(string agent)
    {
        if (agent.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(agent) ? agent : null;
        }

        foreach (string dir in SearchPath)
        {
            string path = Path.Combine(dir, agent);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Runs the agent and waits for it (at most <paramref name="timeout"/>).</summary>
    /// <param name="agent">The agent: a path, or a name found in <see cref="SearchPath"/>.</param>
    /// <param name="stdin">The key=value lines.</param>
    /// <param name="timeout">After this the agent is killed and the run is a timeout.</param>
    /// <param name="time">The daemon's clock.</param>
    /// <param name="cancellationToken">Stops waiting (the daemon is stopping); the agent is killed.</param>
    public static async Task<FenceAgentOutcome> RunAsync(string agent, IReadOnlyList<string> stdin, TimeSpan timeout, TimeProvider time,
        CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        string? path = Resolve(agent);
        if (path is null)
        {
            return new FenceAgentOutcome(-1, false, $"fence agent '{agent}' not found (looked in {string.Join(", ", SearchPath)})", TimeSpan.Zero);
        }

        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var output = new Tail(MaxOutputChars);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            return new FenceAgentOutcome(-1, false, $"fence agent '{path}' could not be started: {e.Message}", time.GetElapsedTime(started));
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // The protocol: one key=value per line, then end of input.
            var text = new StringBuilder();
            foreach (string line in stdin)
            {
                text.Append(line).Append('\n');
            }

            await process.StandardInput.WriteAsync(text, cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The agent exited without reading its input: its exit status says what happened.
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return new FenceAgentOutcome(-1, true, output.Text($"killed after the {timeout.TotalSeconds:0.#} s timeout"), time.GetElapsedTime(started));
        }

        // WaitForExitAsync returns once the output streams have closed too, so the tail is complete.
        return new FenceAgentOutcome(process.ExitCode, false, output.Text(null), time.GetElapsedTime(started));
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    // The last lines, bounded; written from the process's reader threads.
    private sealed class Tail(int max)
    {
        private readonly Lock _sync = new();
        private readonly Queue<string> _lines = new();
        private int _chars;

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_sync)
            {
                line = line.Length > max ? line[^max..] : line;
                _lines.Enqueue(line);
                _chars += line.Length + 1;
                while (_chars > max && _lines.TryDequeue(out string? old))
                {
                    _chars -= old.Length + 1;
                }
            }
        }

        public string Text(string? last)
        {
            lock (_sync)
            {
                var lines = _lines.ToList();
                if (last is not null)
                {
                    lines.Add(last);
                }

                return string.Join('\n', lines);
            }
        }
    }
}
