using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Muster.Diagnostics;

/// <summary>
/// Writes log lines to a file (<c>[logging] file</c>) in the <see cref="LogText"/> format, off the caller's thread.
/// </summary>
/// <remarks>
/// A log call only stamps the line and puts it in a bounded queue: no lock held across I/O and no flush per line, so
/// the event loop never waits for the disk. One writer task drains the queue and flushes whenever it is empty, so the
/// file is current as soon as the daemon is idle. When the queue is full the line is dropped and counted
/// (<see cref="Dropped"/>); the writer then adds a warning line saying how many were lost. Disposing writes out what
/// is queued (within a few seconds) and closes the file.
/// </remarks>
public sealed class LogFileProvider : ILoggerProvider
{
    /// <summary>Lines that may wait for the writer before new ones are dropped.</summary>
    public const int DefaultCapacity = 16_384;

    /// <summary>The category of the provider's own lines (lines dropped, write errors).</summary>
    public const string Category = "logging";

    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<Line> _lines;
    private readonly StreamWriter _writer;
    private readonly Func<DateTime> _utcNow;
    private readonly Task _writing;
    private long _dropped;
    private long _droppedUnreported;
    private long _writeErrors;
    private int _disposed;

    /// <summary>Opens (creating or appending to) <paramref name="path"/> and starts the writer.</summary>
    /// <exception cref="IOException">The file cannot be opened (and the other exceptions of <see cref="FileStream"/>).</exception>
    public LogFileProvider(string path, int capacity = DefaultCapacity, Func<DateTime>? utcNow = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Path = path;
        _utcNow = utcNow ?? (() => DateTime.UtcNow);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        // Wait mode, but only TryWrite is ever called: it fails at once when the queue is full, which is how a drop is seen.
        _lines = Channel.CreateBounded<Line>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writing = Task.Run(WriteLoopAsync);
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>Lines dropped because the queue was full (or logged after disposal).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Bursts of lines the file would not take (disk full, I/O error).</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    /// <summary>Writes out the queued lines (waiting a few seconds at most) and closes the file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _lines.Writer.TryComplete();
        // A writer stuck in I/O (a hung file system) keeps the file open: exiting matters more than closing it.
        if (_writing.Wait(s_drainTimeout))
        {
            _writer.Dispose();
        }
    }

    private void Enqueue(LogLevel level, string category, string message, Exception? exception)
    {
        if (!_lines.Writer.TryWrite(new Line(_utcNow(), level, category, message, exception)))
        {
            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _droppedUnreported);
        }
    }

    private async Task WriteLoopAsync()
    {
        ChannelReader<Line> reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            try
            {
                while (reader.TryRead(out Line line))
                {
                    LogText.WriteLine(_writer, line.Utc, line.Level, line.Category, line.Message, line.Exception);
                }

                long dropped = Interlocked.Exchange(ref _droppedUnreported, 0);
                if (dropped > 0)
                {
                    LogText.WriteLine(_writer, _utcNow(), LogLevel.Warning, Category,
                        $"{dropped} log line(s) dropped: they came faster than {Path} took them", null);
                }

                // Once per burst, not per line: the file is current whenever the queue is empty.
                _writer.Flush();
            }
            catch (IOException)
            {
                // Disk full or the like: count it and carry on; the next burst tries again.
                Interlocked.Increment(ref _writeErrors);
            }
        }
    }

    private readonly record struct Line(DateTime Utc, LogLevel Level, string Category, string Message, Exception? Exception);

    private sealed class FileLogger(LogFileProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception) ?? "";
            if (message.Length > 0 || exception is not null)
            {
                provider.Enqueue(logLevel, category, message, exception);
            }
        }
    }
}
