using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Muster.Core;
using Muster.Diagnostics;
using Muster.Transport;

namespace Muster.Transport.Tests;

internal static class TestSupport
{
    // Generous: the machine is small and shared; a wait only takes this long when something is broken.
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static CancellationToken Token => TestContext.Current.CancellationToken;
}

// Collects datagrams delivered on a transport's receive thread so a test can await them.
internal sealed class Inbox
{
    private readonly Channel<(NodeId Source, byte[] Data)> _channel = Channel.CreateUnbounded<(NodeId, byte[])>();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Handle(ReceivedDatagram datagram)
    {
        byte[] data = datagram.Span.ToArray();
        datagram.Return();
        Interlocked.Increment(ref _count);
        _channel.Writer.TryWrite((datagram.Source, data));
    }

    public async Task<(NodeId Source, byte[] Data)> NextAsync() =>
        await _channel.Reader.ReadAsync(TestSupport.Token).AsTask().WaitAsync(TestSupport.Deadline, TestSupport.Token);
}

// A logger factory a test can wait on and look into: every entry is recorded synchronously, with its state's fields
// and its line in the daemon's text format (LogText), and a waiter completes when a matching line is written.
internal sealed class LogCapture : ILoggerFactory
{
    private readonly Lock _sync = new();
    private readonly List<LogRecord> _entries = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];

    public LogCapture(LogLevel minimum = LogLevel.Debug) => Minimum = minimum;

    public LogLevel Minimum { get; }

    // Handed to the code under test (the factory itself; the property reads better at the call sites).
    public ILoggerFactory Loggers => this;

    public IReadOnlyList<LogRecord> Entries
    {
        get
        {
            lock (_sync)
            {
                return [.. _entries];
            }
        }
    }

    public IReadOnlyList<string> Lines => [.. Entries.Select(e => e.Line)];

    public string Text => string.Join("\n", Lines);

    public ILogger CreateLogger(string categoryName) => new CaptureLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    public Task<string> WaitForAsync(string fragment)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            string? existing = _entries.Select(e => e.Line).FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal));
            if (existing is not null)
            {
                done.SetResult(existing);
            }
            else
            {
                _waiters.Add((l => l.Contains(fragment, StringComparison.Ordinal), done));
            }
        }
        return done.Task.WaitAsync(TestSupport.Deadline, TestSupport.Token);
    }

    private void Add(LogRecord entry)
    {
        lock (_sync)
        {
            _entries.Add(entry);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry.Line))
                {
                    _waiters[i].Done.TrySetResult(entry.Line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class CaptureLogger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= capture.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception);
            var line = new StringWriter();
            LogText.WriteLine(line, DateTime.UtcNow, logLevel, category, message, exception);
            IReadOnlyList<KeyValuePair<string, object?>> fields = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            capture.Add(new LogRecord(category, logLevel, eventId, message, [.. fields], exception, line.ToString().TrimEnd('\n')));
        }
    }
}

// One captured entry: what a provider gets, plus the line the text format makes of it.
internal sealed record LogRecord(string Category, LogLevel Level, EventId EventId, string Message,
    IReadOnlyList<KeyValuePair<string, object?>> Fields, Exception? Exception, string Line)
{
    public object? Field(string name) => Fields.FirstOrDefault(f => f.Key == name).Value;
}
