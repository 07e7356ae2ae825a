using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Muster.Core;

namespace Muster.Daemon.Host;

/// <summary>The small durable state a node keeps across restarts: its last incarnation and its view sequence mark.</summary>
/// <remarks>
/// <para>
/// One text file per node, <c>node-&lt;id&gt;.state</c> in the state directory, so several nodes of a test cluster
/// can share a directory. Every write goes to a temporary file that is fsynced, renamed over the old file, and
/// then the directory is fsynced: after a crash the file holds either the old or the new values, never a mix.
/// </para>
/// <para>Safe to use from several threads; one process should own a node's file.</para>
/// </remarks>
public sealed class NodeStateStore
{
    private const string IncarnationKey = "incarnation";
    private const string ViewSequenceMarkKey = "view_sequence_mark";
    private const string NodeKey = "node";

    private readonly Lock _sync = new();
    private readonly string _directory;
    private readonly NodeId _node;
    private readonly TimeProvider _clock;
    private State? _state;
    private bool _fileFound;

    /// <summary>Creates a store for <paramref name="node"/>; creates <paramref name="stateDirectory"/> (mode 0700) if missing.</summary>
    /// <param name="stateDirectory">Where the state file lives.</param>
    /// <param name="node">The node whose state this is.</param>
    /// <param name="clock">The wall clock incarnations are floored at (the system clock if null).</param>
    /// <exception cref="ArgumentException"><paramref name="node"/> is not a valid node id.</exception>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    public NodeStateStore(string stateDirectory, NodeId node, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        if (!node.IsValid)
        {
            throw new ArgumentException($"node id {node} is not valid", nameof(node));
        }

        _directory = Path.GetFullPath(stateDirectory);
        _node = node;
        FilePath = Path.Combine(_directory, $"node-{node}.state");
        if (!Directory.Exists(_directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(_directory);
            }
            else
            {
                // Only the daemon's user needs to read its state.
                Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    /// <summary>The state file's full path.</summary>
    public string FilePath { get; }

    /// <summary>
    /// Whether a state file was there when it was first read: false at a node's first start, and also when its state
    /// was lost (removed, a new disk, a reinstall). Valid after the first call of any other member.
    /// </summary>
    public bool FileFound
    {
        get
        {
            lock (_sync)
            {
                Load();
                return _fileFound;
            }
        }
    }

    /// <summary>
    /// Returns the next incarnation after storing it durably: the larger of the stored one plus 1 and the wall clock
    /// in milliseconds since the Unix epoch.
    /// </summary>
    /// <remarks>
    /// <para>The value is on disk before it is returned, so every start of the daemon, even after a crash, gets a
    /// larger incarnation than any earlier start.</para>
    /// <para>Why the clock: peers drop packets from an incarnation older than one they have seen, so a node whose
    /// state file was lost (or restored from an old backup) and restarted from 1 would be ignored for ever. Starts
    /// are more than a millisecond apart, so every incarnation is at most the wall-clock time of its start, and a
    /// node that lost its file still gets a larger incarnation than any it had, as long as the wall clock has not
    /// been set back past its last start. With the file intact, the clock does not matter: stored + 1 still grows.
    /// </para>
    /// </remarks>
    /// <exception cref="InvalidDataException">The state file is corrupt; the message names it.</exception>
    /// <exception cref="IOException">The state file cannot be read or written.</exception>
    public ulong NextIncarnation()
    {
        lock (_sync)
        {
            State current = Load();
            if (current.Incarnation == ulong.MaxValue)
            {
                throw new InvalidDataException($"node state file {FilePath}: the incarnation cannot grow past {ulong.MaxValue}");
            }

            State next = current with { Incarnation = Math.Max(current.Incarnation + 1, ClockFloor()) };
            Write(next);
            return next.Incarnation;
        }
    }

    /// <summary>
    /// The view-sequence mark to start from: the larger of the stored one (0 without a file) and the wall clock in
    /// milliseconds since the Unix epoch.
    /// </summary>
    /// <remarks>
    /// View ids are unique because a coordinator never proposes a sequence at or below its mark. A node whose state file
    /// was lost (or restored from an old backup) would otherwise start again at 0 and could reuse a view id it used
    /// alone or with nodes it cannot hear now. View sequences grow far slower than one per millisecond, so the clock is
    /// above every sequence used before, given clocks kept within a second or so of each other (NTP) and not set back
    /// past the last start. The node also hears its peers' marks during the join timeout before it proposes.
    /// </remarks>
    /// <exception cref="InvalidDataException">The state file is corrupt; the message names it.</exception>
    /// <exception cref="IOException">The state file cannot be read.</exception>
    public ulong LoadViewSequenceMark()
    {
        lock (_sync)
        {
            return Math.Max(Load().ViewSequenceMark, ClockFloor());
        }
    }

    private ulong ClockFloor()
    {
        long millis = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        return millis > 0 ? (ulong)millis : 0;
    }

    /// <summary>Stores the view sequence mark; it is on disk when this returns.</summary>
    /// <exception cref="InvalidDataException">The existing state file is corrupt; the message names it.</exception>
    /// <exception cref="IOException">The state file cannot be written.</exception>
    public void StoreViewSequenceMark(ulong mark)
    {
        lock (_sync)
        {
            State current = Load();
            if (current.ViewSequenceMark != mark)
            {
                Write(current with { ViewSequenceMark = mark });
            }
        }
    }

    // The file is read once; afterwards this instance's last write is the truth.
    private State Load()
    {
        if (_state is { } cached)
        {
            return cached;
        }

        string text;
        try
        {
            text = File.ReadAllText(FilePath, Encoding.UTF8);
        }
        catch (FileNotFoundException)
        {
            return (_state = new State(0, 0)).Value;
        }
        _fileFound = true;
        return (_state = Parse(text)).Value;
    }

    private State Parse(string text)
    {
        ulong? incarnation = null;
        ulong? mark = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw Corrupt($"line {i + 1} is not \"key = value\"");
            }
            string key = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
            {
                throw Corrupt($"line {i + 1}: \"{value}\" is not a number");
            }

            switch (key)
            {
                case NodeKey when number != _node.Value:
                    throw Corrupt($"it belongs to node {number}");
                case NodeKey:
                    break;
                case IncarnationKey when incarnation is null:
                    incarnation = number;
                    break;
                case ViewSequenceMarkKey when mark is null:
                    mark = number;
                    break;
                case IncarnationKey or ViewSequenceMarkKey:
                    throw Corrupt($"line {i + 1}: {key} appears twice");
                default:
                    throw Corrupt($"line {i + 1}: unknown key \"{key}\"");
            }
        }

        if (incarnation is null || mark is null)
        {
            throw Corrupt($"{(incarnation is null ? IncarnationKey : ViewSequenceMarkKey)} is missing");
        }
        return new State(incarnation.Value, mark.Value);
    }

    private InvalidDataException Corrupt(string reason) =>
        new($"node state file {FilePath} is corrupt ({reason}); repair or remove it "
            + "(removing it is safe: the next incarnation comes from the clock; see docs/protocol.md, \"A lost state file\")");

    private void Write(State state)
    {
        string text =
            "# muster node state: written by musterd and replaced atomically; do not edit while it runs\n"
            + $"{NodeKey} = {_node.Value.ToString(CultureInfo.InvariantCulture)}\n"
            + $"{IncarnationKey} = {state.Incarnation.ToString(CultureInfo.InvariantCulture)}\n"
            + $"{ViewSequenceMarkKey} = {state.ViewSequenceMark.ToString(CultureInfo.InvariantCulture)}\n";

        string temporary = FilePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            // fsync before the rename, or a crash could leave the new name pointing at an empty file.
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, FilePath, overwrite: true);
        SyncDirectory();
        _state = state;
    }

    // Makes the rename itself durable.
    private void SyncDirectory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = Libc.Open(_directory, Libc.ORdOnly | Libc.OCloExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open state directory {_directory} to sync it: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        }
        try
        {
            if (Libc.FSync(fd) != 0)
            {
                throw new IOException($"cannot sync state directory {_directory}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private readonly record struct State(ulong Incarnation, ulong ViewSequenceMark);
}
