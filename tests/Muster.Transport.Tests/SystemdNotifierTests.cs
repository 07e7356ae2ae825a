using System.Net.Sockets;
using System.Text;
using Muster.Daemon.Host;
using Microsoft.Extensions.Logging.Abstractions;

namespace Muster.Transport.Tests;

/// <summary>sd_notify against a fake notification socket (what systemd binds for a Type=notify service).</summary>
public sealed class SystemdNotifierTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("muster-notify-").FullName;

    [Fact]
    public async Task ReadyStatusWatchdogStopping_ArriveAsSdNotifyDatagrams()
    {
        string path = Path.Combine(_directory, "notify");
        using var systemd = Bind(path);
        using var notifier = new SystemdNotifier(path, TimeSpan.FromSeconds(2), NullLoggerFactory.Instance);
        Assert.True(notifier.Ready("in view 1.2 with 3 of 3 nodes"));
        Assert.True(notifier.Status("in view 1.3\nwith 2 of 3 nodes"));
        Assert.True(notifier.Watchdog());
        Assert.True(notifier.Stopping());

        Assert.Equal("READY=1\nSTATUS=in view 1.2 with 3 of 3 nodes", await ReceiveAsync(systemd));
        // A status is one line: a newline in it would start another KEY=value.
        Assert.Equal("STATUS=in view 1.3 with 2 of 3 nodes", await ReceiveAsync(systemd));
        Assert.Equal("WATCHDOG=1", await ReceiveAsync(systemd));
        Assert.Equal("STOPPING=1", await ReceiveAsync(systemd));
        Assert.Equal(TimeSpan.FromSeconds(2), notifier.WatchdogInterval);
    }

    [Fact]
    public async Task AbstractSocketName_WithAnAt_IsReached()
    {
        string name = $"muster-notify-test-{Environment.ProcessId}-{Guid.NewGuid():N}";
        using var systemd = Bind("\0" + name);
        using var notifier = new SystemdNotifier("@" + name, null, NullLoggerFactory.Instance);
        Assert.True(notifier.Ready("ok"));
        Assert.Equal("READY=1\nSTATUS=ok", await ReceiveAsync(systemd));
    }

    [Fact]
    public void NoSocketListening_IsLoggedOnce_NeverThrown()
    {
        var log = new LogCapture();
        using var notifier = new SystemdNotifier(Path.Combine(_directory, "nobody"), null, log.Loggers);
        Assert.False(notifier.Ready("x"));
        Assert.False(notifier.Watchdog());
        Assert.Single(log.Lines, l => l.Contains("could not notify systemd", StringComparison.Ordinal));
    }

    [Fact]
    public void FromEnvironment_WithoutNotifySocket_IsNull()
    {
        Assert.Null(Environment.GetEnvironmentVariable(SystemdNotifier.SocketVariable));
        Assert.Null(SystemdNotifier.FromEnvironment(NullLoggerFactory.Instance));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Socket Bind(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TestSupport.Deadline, TestSupport.Token);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }
}
