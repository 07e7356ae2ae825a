using Muster.Core;
using Muster.Daemon.Host;

namespace Muster.Transport.Tests;

public sealed class NodeStateStoreTests : IDisposable
{
    private static readonly NodeId s_node = new(3);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"muster-state-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    // A wall clock stuck at the epoch, so the counter's own growth is what these tests see.
    private static readonly TimeProvider s_epoch = new FixedClock(DateTimeOffset.UnixEpoch);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void NextIncarnation_LostFile_ComesFromTheClockAndStaysAboveEveryEarlierOne()
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var store = new NodeStateStore(_root, s_node, clock);
        Assert.False(store.FileFound);
        ulong first = store.NextIncarnation();
        Assert.Equal(1_800_000_000_000ul, first);

        // Two starts in the same millisecond (or a clock set back): the stored value still grows.
        ulong second = new NodeStateStore(_root, s_node, clock).NextIncarnation();
        Assert.Equal(first + 1, second);
        Assert.True(new NodeStateStore(_root, s_node, clock).FileFound);

        // The file is lost; a later start is still newer than every earlier incarnation, so peers do not drop it.
        File.Delete(Path.Combine(_root, "node-3.state"));
        clock.Now = clock.Now.AddSeconds(5);
        var fresh = new NodeStateStore(_root, s_node, clock);
        Assert.False(fresh.FileFound);
        Assert.True(fresh.NextIncarnation() > second);
        // The mark comes from the clock too: above any view sequence used before (they grow far slower than 1/ms).
        Assert.Equal(1_800_000_005_000ul, fresh.LoadViewSequenceMark());
        fresh.StoreViewSequenceMark(1_800_000_009_000);
        Assert.Equal(1_800_000_009_000ul, new NodeStateStore(_root, s_node, clock).LoadViewSequenceMark());
    }

    [Fact]
    public void NextIncarnation_NoFile_StartsAtOneAndGrows()
    {
        var store = new NodeStateStore(_root, s_node, s_epoch);

        Assert.Equal(1ul, store.NextIncarnation());
        Assert.Equal(2ul, store.NextIncarnation());
        Assert.Equal(Path.Combine(_root, "node-3.state"), store.FilePath);
    }

    [Fact]
    public void NextIncarnation_NewInstance_ContinuesFromDisk()
    {
        Assert.Equal(1ul, new NodeStateStore(_root, s_node, s_epoch).NextIncarnation());

        // A restart, possibly after a crash: a new process reads what the last one stored.
        var restarted = new NodeStateStore(_root, s_node, s_epoch);
        Assert.Equal(2ul, restarted.NextIncarnation());
        Assert.Equal(3ul, new NodeStateStore(_root, s_node, s_epoch).NextIncarnation());
    }

    [Fact]
    public void ViewSequenceMark_StoredAndReloadedWithIncarnation()
    {
        var store = new NodeStateStore(_root, s_node, s_epoch);
        Assert.Equal(0ul, store.LoadViewSequenceMark());
        store.NextIncarnation();

        store.StoreViewSequenceMark(41);
        store.StoreViewSequenceMark(42);

        var restarted = new NodeStateStore(_root, s_node, s_epoch);
        Assert.Equal(42ul, restarted.LoadViewSequenceMark());
        Assert.Equal(2ul, restarted.NextIncarnation());
        Assert.Equal(42ul, new NodeStateStore(_root, s_node, s_epoch).LoadViewSequenceMark());
    }

    [Fact]
    public void Nodes_KeepSeparateFiles()
    {
        new NodeStateStore(_root, s_node, s_epoch).NextIncarnation();
        new NodeStateStore(_root, s_node, s_epoch).NextIncarnation();

        Assert.Equal(1ul, new NodeStateStore(_root, new NodeId(4), s_epoch).NextIncarnation());
    }

    [Fact]
    public void Write_LeavesNoTemporaryFileAndPrivateModes()
    {
        string directory = Path.Combine(_root, "nested", "state");
        var store = new NodeStateStore(directory, s_node, s_epoch);
        store.NextIncarnation();

        Assert.Equal(["node-3.state"], Directory.GetFiles(directory).Select(Path.GetFileName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
        }
    }

    [Fact]
    public void File_IsReadableText()
    {
        var store = new NodeStateStore(_root, s_node, s_epoch);
        store.NextIncarnation();
        store.StoreViewSequenceMark(7);

        string[] lines = File.ReadAllLines(store.FilePath);

        Assert.Contains("node = 3", lines);
        Assert.Contains("incarnation = 1", lines);
        Assert.Contains("view_sequence_mark = 7", lines);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("incarnation = 5\n")]
    [InlineData("incarnation = x\nview_sequence_mark = 1\n")]
    [InlineData("incarnation = -1\nview_sequence_mark = 1\n")]
    [InlineData("incarnation = 1\nincarnation = 2\nview_sequence_mark = 1\n")]
    [InlineData("incarnation = 1\nview_sequence_mark = 1\ncolour = 3\n")]
    [InlineData("node = 4\nincarnation = 1\nview_sequence_mark = 1\n")]
    [InlineData("\0\0\0\0")]
    public void Corrupt_File_ThrowsNamingTheFile(string content)
    {
        Directory.CreateDirectory(_root);
        string path = Path.Combine(_root, "node-3.state");
        File.WriteAllText(path, content);
        var store = new NodeStateStore(_root, s_node, s_epoch);

        var e = Assert.Throws<InvalidDataException>(() => store.NextIncarnation());

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => store.LoadViewSequenceMark());
        // Nothing was overwritten: the operator still sees what was there.
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void Existing_FileWithCommentsAndSpacing_IsAccepted()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "node-3.state"), "# hand-restored\r\n\r\n  incarnation=9 \r\nview_sequence_mark =  12\r\n");

        var store = new NodeStateStore(_root, s_node, s_epoch);

        Assert.Equal(12ul, store.LoadViewSequenceMark());
        Assert.Equal(10ul, store.NextIncarnation());
    }

    [Fact]
    public void Constructor_InvalidNode_Throws()
    {
        Assert.Throws<ArgumentException>(() => new NodeStateStore(_root, NodeId.None));
    }
}
