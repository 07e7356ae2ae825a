using System.Text;
using System.Threading.Channels;
using Muster.Core;
using Muster.Core.Diagnostics;
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

// A log sink a test can wait on: completes a waiter when a matching line is written.
internal sealed class LogCapture : TextWriter
{
    private readonly Lock _sync = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];

    public LogCapture() => Logger = new Logger(this, LogLevel.Debug);

    public Logger Logger { get; }

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_sync)
            {
                return [.. _lines];
            }
        }
    }

    public override void Write(char value)
    {
        // Logger writes whole lines only.
    }

    public override void WriteLine(string? value)
    {
        string line = value ?? "";
        lock (_sync)
        {
            _lines.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Done.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public Task<string> WaitForAsync(string fragment)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sync)
        {
            string? existing = _lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal));
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
}
