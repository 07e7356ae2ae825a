using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Daemon.Host;
using Muster.Diagnostics;
using CoreLogLevel = Muster.Core.Diagnostics.LogLevel;

namespace Muster.Transport.Tests;

// The daemon's logging set-up (Muster.Diagnostics): what reaches stderr in each format, the fields of an entry, the
// log file. The console tests swap Console.Error, which the whole process shares, so they run alone.
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

[Collection(nameof(ConsoleCollection))]
public sealed partial class LoggingTests
{
    private static readonly NodeId s_node = new(3);
    private static readonly ViewId s_view = new(4, new NodeId(1));

    [Fact]
    public void SystemdFormat_PrefixesEachLineWithTheSyslogPriorityOfItsLevel()
    {
        string output = CaptureStderr(ConsoleLogFormat.Systemd, CoreLogLevel.Debug, loggers =>
        {
            ILogger membership = loggers.CreateLogger("membership");
            CoreEventLog.Write(membership, CoreLogLevel.Debug, "candidates: 1 (us)", s_node, s_view);
            CoreEventLog.Write(membership, CoreLogLevel.Info, "installed view 4.1 [1#1 3#1]", s_node, s_view);
            CoreEventLog.Write(membership, CoreLogLevel.Warning, "node 2 refuses us: no wire version in common", s_node, s_view);
            CoreEventLog.Write(membership, CoreLogLevel.Error, "sync cut-off 7 below our delivered position 9", s_node, s_view);
        });

        // <7> debug, <6> info, <4> warning, <3> error: journald files each line under its own priority. No timestamp
        // (journald has its own) and one line per entry.
        Assert.Equal(
        [
            "<7>membership[100] candidates: 1 (us)",
            "<6>membership[100] installed view 4.1 [1#1 3#1]",
            "<4>membership[100] node 2 refuses us: no wire version in common",
            "<3>membership[100] sync cut-off 7 below our delivered position 9",
        ], Lines(output));
        Assert.Equal(["<7>", "<6>", "<4>", "<3>"],
            new[] { LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error }.Select(DaemonLogging.SyslogPrefix));
    }

    [Fact]
    public void SystemdFormat_KeepsAnExceptionOnTheEntrysLine()
    {
        string output = CaptureStderr(ConsoleLogFormat.Systemd, CoreLogLevel.Info, loggers =>
            Probe.Failed(loggers.CreateLogger("ipc"), new InvalidOperationException("first\nsecond")));

        string line = Assert.Single(Lines(output));
        Assert.StartsWith("<3>ipc[9999] probe failed System.InvalidOperationException: first second", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TextFormat_IsTheHumanReadableLine_AndHonoursTheMinimumLevel()
    {
        string output = CaptureStderr(ConsoleLogFormat.Text, CoreLogLevel.Info, loggers =>
        {
            ILogger membership = loggers.CreateLogger("membership");
            CoreEventLog.Write(membership, CoreLogLevel.Debug, "not shown", s_node, s_view);
            CoreEventLog.Write(membership, CoreLogLevel.Info, "installed view 4.1 [1#1 3#1]", s_node, s_view);
            CoreEventLog.Write(membership, CoreLogLevel.Warning, "node 2 refuses us", s_node, s_view);
        });

        string[] lines = Lines(output);
        Assert.Equal(2, lines.Length);
        Assert.Matches(TextLine("INFO ", "membership", "installed view 4.1 [1#1 3#1]"), lines[0]);
        Assert.Matches(TextLine("WARN ", "membership", "node 2 refuses us"), lines[1]);
    }

    [Fact]
    public void CoreEvent_CarriesNodeIdAndViewIdAsFieldsOfTheEntry_NotInTheLine()
    {
        var log = new LogCapture();

        CoreEventLog.Write(log.CreateLogger("membership"), CoreLogLevel.Warning, "node 2 refuses us", s_node, s_view);

        LogRecord entry = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal("membership", entry.Category);
        Assert.Equal(100, entry.EventId.Id);
        Assert.Equal("node 2 refuses us", entry.Message);
        Assert.Equal(s_node, entry.Field("NodeId"));
        Assert.Equal(s_view, entry.Field("ViewId"));
        Assert.Equal("node 2 refuses us", entry.Field("Text"));
        Assert.EndsWith("WARN  membership: node 2 refuses us", entry.Line, StringComparison.Ordinal);
    }

    [Fact]
    public void TransportEntry_NamesPeerLinkAndSuppressed_AndTheLineShowsNoSuppressedCountOfZero()
    {
        var log = new LogCapture();
        using var transport = new UdpTransport(new UdpTransportOptions
        {
            Bind = [new IPEndPoint(IPAddress.Loopback, 0)],
            Peers = new Dictionary<NodeId, IReadOnlyList<IPEndPoint>>(),
        }, log.Loggers);

        transport.Send(new NodeId(9), 1, "x"u8);

        LogRecord entry = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal("transport", entry.Category);
        Assert.Equal(new NodeId(9), entry.Field("Peer"));
        Assert.Equal(1, entry.Field("Link"));
        Assert.Equal(0L, entry.Field("Suppressed"));
        Assert.Equal("datagram to node 9 on link 1 dropped: no usable endpoint configured for it", entry.Message);
    }

    [Fact]
    public void RateLimitedEntry_ShowsTheSuppressedCountWhenThereIsOne()
    {
        var log = new LogCapture();
        var monitor = new StallMonitor(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), log.Loggers,
            logInterval: TimeSpan.FromSeconds(10));
        var t = Instant.Zero + TimeSpan.FromSeconds(100);
        monitor.Beat(t);
        monitor.Beat(t += TimeSpan.FromMilliseconds(300));
        monitor.Beat(t += TimeSpan.FromMilliseconds(300));
        monitor.Beat(t + TimeSpan.FromSeconds(11));

        Assert.Equal([0L, 1L], log.Entries.Select(e => e.Field("Suppressed")));
        Assert.Equal(11_000d, log.Entries[1].Field("StallMs"));
        Assert.EndsWith("; 1 more stalls since the last warning", log.Entries[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogFile_HasTheTextLines_WrittenOutWhileTheDaemonRuns()
    {
        string path = Path.Combine(Path.GetTempPath(), $"muster-log-{Guid.NewGuid():N}.log");
        try
        {
            using (var file = new LogFileProvider(path))
            using (ILoggerFactory loggers = DaemonLogging.Create(CoreLogLevel.Info, ConsoleLogFormat.Text, file))
            {
                CoreEventLog.Write(loggers.CreateLogger("membership"), CoreLogLevel.Info, "installed view 4.1", s_node, s_view);
                CoreEventLog.Write(loggers.CreateLogger("membership"), CoreLogLevel.Debug, "below the level", s_node, s_view);

                // Not disposed yet: the writer flushes whenever its queue is empty, so a reader sees the line now.
                string text = "";
                var deadline = DateTime.UtcNow + TestSupport.Deadline;
                while (!text.Contains("installed view 4.1", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20, TestSupport.Token);
                    text = ReadShared(path);
                }

                Assert.Matches(TextLine("INFO ", "membership", "installed view 4.1"), Assert.Single(Lines(text)));
                Assert.Equal(0, file.Dropped);
            }

            Assert.DoesNotContain("below the level", ReadShared(path), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LogFile_DropsAndCountsWhatDoesNotFitItsQueue_AndSaysSo()
    {
        string path = Path.Combine(Path.GetTempPath(), $"muster-log-{Guid.NewGuid():N}.log");
        const int Logged = 20_000;
        try
        {
            long dropped;
            using (var file = new LogFileProvider(path, capacity: 1))
            {
                ILogger logger = file.CreateLogger("membership");
                for (int i = 0; i < Logged; i++)
                {
                    CoreEventLog.Write(logger, CoreLogLevel.Info, $"line {i}", s_node, s_view);
                }

                // Disposing writes out what is queued (one line here) and closes the file.
                file.Dispose();
                dropped = file.Dropped;
            }

            string[] lines = Lines(File.ReadAllText(path));
            string[] kept = [.. lines.Where(l => l.Contains(" membership: line ", StringComparison.Ordinal))];
            Assert.Equal(Logged, kept.Length + dropped);
            if (dropped > 0)
            {
                // The writer adds up what it lost and says so in the file (possibly over several lines).
                long reported = lines.Where(l => l.Contains("WARN  logging: ", StringComparison.Ordinal))
                    .Sum(l => long.Parse(DroppedCount().Match(l).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(dropped, reported);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(null, null, null, null, ConsoleLogFormat.Text)]
    [InlineData(null, null, "0f3c", null, ConsoleLogFormat.Systemd)]
    [InlineData(null, "8:4711", null, "socket:[4711]", ConsoleLogFormat.Systemd)]
    [InlineData(null, "8:4711", "0f3c", null, ConsoleLogFormat.Systemd)]
    // Inherited from a service that started us with stderr elsewhere (a pipe to a test harness): not the journal.
    [InlineData(null, "8:4711", "0f3c", "pipe:[99]", ConsoleLogFormat.Text)]
    [InlineData("text", "8:4711", "0f3c", "socket:[4711]", ConsoleLogFormat.Text)]
    [InlineData("systemd", null, null, "/dev/pts/1", ConsoleLogFormat.Systemd)]
    [InlineData("AUTO", null, "0f3c", null, ConsoleLogFormat.Systemd)]
    public void ConsoleFormat_IsSystemdUnderTheJournal_TextOtherwise(string? forced, string? journalStream, string? invocationId,
        string? stderrTarget, ConsoleLogFormat expected)
    {
        var environment = new Dictionary<string, string?>
        {
            [DaemonLogging.FormatVariable] = forced,
            ["JOURNAL_STREAM"] = journalStream,
            ["INVOCATION_ID"] = invocationId,
        };

        Assert.Equal(expected, DaemonLogging.DetectConsoleFormat(name => environment.GetValueOrDefault(name), stderrTarget));
    }

    [Fact]
    public void ConsoleFormat_UnknownOverride_IsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            DaemonLogging.DetectConsoleFormat(name => name == DaemonLogging.FormatVariable ? "json" : null, null));
        Assert.Contains("MUSTER_LOG_FORMAT=\"json\"", e.Message, StringComparison.Ordinal);
    }

    // Runs a logging set-up writing to stderr and returns what it wrote; disposing the factory writes out its queue.
    private static string CaptureStderr(ConsoleLogFormat format, CoreLogLevel minimum, Action<ILoggerFactory> log)
    {
        var captured = new StringWriter();
        TextWriter original = Console.Error;
        ILoggerFactory loggers;
        Console.SetError(captured);
        try
        {
            // The console provider takes hold of Console.Error when it is created.
            loggers = DaemonLogging.Create(minimum, format);
        }
        finally
        {
            Console.SetError(original);
        }

        using (loggers)
        {
            log(loggers);
        }

        return captured.ToString();
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    private static Regex TextLine(string tag, string category, string message) =>
        new($@"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {Regex.Escape(tag)} {category}: {Regex.Escape(message)}$");

    [GeneratedRegex(@"logging: (\d+) log line")]
    private static partial Regex DroppedCount();

    private static partial class Probe
    {
        [LoggerMessage(EventId = 9999, Level = LogLevel.Error, Message = "probe failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
