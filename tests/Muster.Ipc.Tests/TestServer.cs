using Microsoft.Extensions.Logging;
using Muster.Client;
using Muster.Diagnostics;
using Muster.Ipc.Contracts;

namespace Muster.Ipc.Tests;

// A real IpcServer on a Unix socket in a fresh temporary directory, with a FakeDaemon behind it.
internal sealed class TestServer : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _directory;
    private readonly StringWriter _log = new();
    private readonly TextWriter _logWriter;

    private TestServer(DirectoryInfo directory, Func<string, IpcServerOptions> configure)
    {
        _directory = directory;
        _logWriter = TextWriter.Synchronized(_log);
        SocketPath = Path.Combine(directory.FullName, "musterd.sock");
        Options = configure(SocketPath);
        Server = new IpcServer(Options, Daemon, new TextWriterLoggers(_logWriter));
    }

    public string SocketPath { get; }

    public IpcServerOptions Options { get; }

    public FakeDaemon Daemon { get; } = new();

    public IpcServer Server { get; }

    public string Log
    {
        get
        {
            // The synchronized writer locks itself for every write, so this snapshot never sees half a line.
            lock (_logWriter)
            {
                return _log.ToString();
            }
        }
    }

    public static TestServer Start(Func<string, IpcServerOptions>? configure = null)
    {
        var directory = Directory.CreateTempSubdirectory("muster-ipc-");
        var server = new TestServer(directory, configure ?? (path => Defaults(path)));
        server.Server.Start();
        return server;
    }

    public static IpcServerOptions Defaults(
        string path,
        int maxClients = 16,
        int maxFrameSize = IpcProtocol.DefaultMaxFrameSize,
        int maxMessageSize = IpcProtocol.DefaultMaxMessageSize,
        int highWaterMark = 64,
        int eventQueueLimit = 256,
        long eventQueueByteLimit = 256L * 1024 * 1024,
        TimeSpan? stallTimeout = null,
        TimeSpan? handshakeTimeout = null,
        bool allowRoot = true,
        IReadOnlyCollection<uint>? allowedUsers = null,
        IReadOnlyCollection<uint>? allowedGroups = null) => new()
        {
            SocketPath = path,
            NodeId = FakeDaemon.LocalNode,
            NodeName = "node7",
            ClusterName = "test-cluster",
            MaxClients = maxClients,
            MaxFrameSize = maxFrameSize,
            MaxMessageSize = maxMessageSize,
            HighWaterMark = highWaterMark,
            EventQueueLimit = eventQueueLimit,
            EventQueueByteLimit = eventQueueByteLimit,
            StallTimeout = stallTimeout ?? TimeSpan.FromMinutes(5),
            HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromMinutes(5),
            AllowRoot = allowRoot,
            // The tests may run as any user; root is allowed anyway unless a test turns AllowRoot off.
            AllowedUserIds = allowedUsers ?? [UnixAccounts.CurrentUserId],
            AllowedGroupIds = allowedGroups ?? [],
        };

    public Task<MusterClient> ConnectAsync(int eventBufferCapacity = 256) =>
        MusterClient.ConnectAsync(
            new MusterClientOptions { SocketPath = SocketPath, ClientName = "ipc-tests", EventBufferCapacity = eventBufferCapacity },
            TestContext.Current.CancellationToken);

    public Task<RawClient> ConnectRawAsync() => RawClient.ConnectAsync(SocketPath);

    public async Task<IpcSession> NextConnectedAsync() =>
        await Daemon.Connected.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Deadline);

    public async Task<(IpcSession Session, string Reason)> NextDisconnectedAsync() =>
        await Daemon.Disconnected.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Deadline);

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

// Writes every entry, debug and up, as one line in the daemon's text format (LogText) to a writer, synchronously.
internal sealed class TextWriterLoggers(TextWriter writer) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(writer, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriter writer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Debug and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                // One Write of the whole line: the synchronized writer locks per call, so lines never interleave.
                var line = new StringWriter();
                LogText.WriteLine(line, DateTime.UtcNow, logLevel, category, formatter(state, exception), exception);
                writer.Write(line.ToString());
            }
        }
    }
}
