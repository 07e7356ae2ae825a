using Muster.Daemon.Host;

namespace Muster.Transport.Tests;

public class UserDirectoryTests
{
    [Fact]
    public void Root_ResolvesToZero()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "user names are resolved on Unix only");

        Assert.Equal(0u, UserDirectory.ResolveUser("root"));
        Assert.Equal(0u, UserDirectory.ResolveGroup("root"));
    }

    [Fact]
    public void Names_MatchEtcFiles()
    {
        // Cross-check a few local accounts against the files (NSS may add more, never different ones).
        Assert.SkipUnless(File.Exists("/etc/passwd") && File.Exists("/etc/group"), "no /etc/passwd or /etc/group here");

        foreach ((string name, uint id) in ReadIds("/etc/passwd", idField: 2).Take(5))
        {
            Assert.Equal(id, UserDirectory.ResolveUser(name));
        }
        foreach ((string name, uint id) in ReadIds("/etc/group", idField: 2).Take(5))
        {
            Assert.Equal(id, UserDirectory.ResolveGroup(name));
        }
    }

    [Theory]
    [InlineData("0", 0u)]
    [InlineData("1000", 1000u)]
    [InlineData("4294967294", 4294967294u)]
    public void NumericIds_PassThrough(string text, uint expected)
    {
        Assert.Equal(expected, UserDirectory.ResolveUser(text));
        Assert.Equal(expected, UserDirectory.ResolveGroup(text));
    }

    [Fact]
    public void UnknownNames_ClearErrors()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "user names are resolved on Unix only");

        var user = Assert.Throws<KeyNotFoundException>(() => UserDirectory.ResolveUser("no-such-muster-user"));
        Assert.Contains("unknown user \"no-such-muster-user\"", user.Message, StringComparison.Ordinal);
        var group = Assert.Throws<KeyNotFoundException>(() => UserDirectory.ResolveGroup("no-such-muster-group"));
        Assert.Contains("unknown group \"no-such-muster-group\"", group.Message, StringComparison.Ordinal);
        Assert.False(UserDirectory.TryResolveUser("no-such-muster-user", out _));
        Assert.False(UserDirectory.TryResolveUser("a\0b", out _));
    }

    [Fact]
    public void Empty_IsAnArgumentError()
    {
        Assert.Throws<ArgumentException>(() => UserDirectory.ResolveUser(""));
        Assert.Throws<ArgumentException>(() => UserDirectory.ResolveGroup(" "));
    }

    private static IEnumerable<(string Name, uint Id)> ReadIds(string path, int idField)
    {
        foreach (string line in File.ReadLines(path))
        {
            string[] fields = line.Split(':');
            if (fields.Length > idField && fields[0].Length > 0 && !line.StartsWith('#') && uint.TryParse(fields[idField], out uint id))
            {
                yield return (fields[0], id);
            }
        }
    }
}
