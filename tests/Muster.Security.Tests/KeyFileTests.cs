namespace Muster.Security.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KeyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("muster-key-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Generate_Writes256RandomBitsReadableByTheOwnerOnly()
    {
        string path = Path.Combine(_dir, "authkey");
        var key = KeyFile.Generate(path, force: false);
        Assert.Equal(KeyFile.GeneratedLength, new FileInfo(path).Length);
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
        var read = KeyFile.Read(path, out string? warning);
        Assert.Null(warning);
        Assert.Equal(key.Fingerprint, read.Fingerprint);
        Assert.Empty(Directory.GetFiles(_dir, ".*tmp"));
    }

    [Fact]
    public void Generate_ExistingFile_RefusedAndUntouched_UnlessForced()
    {
        string path = Path.Combine(_dir, "authkey");
        var first = KeyFile.Generate(path, force: false);
        byte[] before = File.ReadAllBytes(path);
        var ex = Assert.Throws<KeyFileException>(() => KeyFile.Generate(path, force: false));
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));

        var second = KeyFile.Generate(path, force: true);
        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
        Assert.Equal(second.Fingerprint, KeyFile.Read(path, out _).Fingerprint);
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Read_Missing_TooShort_TooLong_NameTheFileAndTheProblem()
    {
        string missing = Path.Combine(_dir, "nope");
        Assert.Contains("does not exist", Assert.Throws<KeyFileException>(() => KeyFile.Read(missing, out _)).Message, StringComparison.Ordinal);

        string shortFile = Path.Combine(_dir, "short");
        File.WriteAllBytes(shortFile, new byte[31]);
        var ex = Assert.Throws<KeyFileException>(() => KeyFile.Read(shortFile, out _));
        Assert.Contains(shortFile, ex.Message, StringComparison.Ordinal);
        Assert.Contains("31 bytes", ex.Message, StringComparison.Ordinal);

        string longFile = Path.Combine(_dir, "long");
        File.WriteAllBytes(longFile, new byte[ClusterKey.MaxLength + 1]);
        Assert.Contains("at most", Assert.Throws<KeyFileException>(() => KeyFile.Read(longFile, out _)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WorldReadable_WorksWithAWarning()
    {
        string path = Path.Combine(_dir, "open");
        File.WriteAllBytes(path, new byte[32]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        KeyFile.Read(path, out string? warning);
        Assert.NotNull(warning);
        Assert.Contains("0604", warning, StringComparison.Ordinal);
    }
}
