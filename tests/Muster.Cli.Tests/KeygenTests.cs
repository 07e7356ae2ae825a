using System.Text.Json;
using Muster.Cli.Commands;
using Muster.Configuration;
using Muster.Security;

namespace Muster.Cli.Tests;

// muster keygen: writes real files in a fresh temporary directory; no daemon is involved.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KeygenTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("muster-keygen-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Writes_32_random_bytes_with_mode_0400_and_prints_the_fingerprint()
    {
        string path = Path.Combine(_directory.FullName, "authkey");

        var run = await CliRun.RunAsync("keygen", "--key-file", path);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Equal(32, new FileInfo(path).Length);
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
        var key = KeyFile.Read(path, out string? warning);
        Assert.Null(warning);
        Assert.Contains($"wrote a new key to {path} (32 random bytes, mode 0400; given with --key-file)", run.Out, StringComparison.Ordinal);
        Assert.Contains($"fingerprint: {key.FingerprintText}\n", run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Two_keys_differ()
    {
        string first = Path.Combine(_directory.FullName, "a");
        string second = Path.Combine(_directory.FullName, "b");

        await CliRun.RunAsync("keygen", "--key-file", first);
        await CliRun.RunAsync("keygen", "--key-file", second);

        Assert.NotEqual(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public async Task Refuses_an_existing_file_without_force_and_leaves_it_alone()
    {
        string path = Path.Combine(_directory.FullName, "authkey");
        await CliRun.RunAsync("keygen", "--key-file", path);
        byte[] before = File.ReadAllBytes(path);

        var run = await CliRun.RunAsync("keygen", "--key-file", path, "--json");

        Assert.True(run.ExitCode == ExitCodes.FileError, run.ToString());
        Assert.Equal(
            $"muster: key file {path}: already exists; it was not changed (every node must use the same key: use --force only to replace it on purpose)",
            run.Error.TrimEnd());
        Assert.Empty(run.Out);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Force_replaces_the_key()
    {
        string path = Path.Combine(_directory.FullName, "authkey");
        await CliRun.RunAsync("keygen", "--key-file", path);
        byte[] before = File.ReadAllBytes(path);

        var run = await CliRun.RunAsync("keygen", "--key-file", path, "--force", "--json");

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.NotEqual(before, File.ReadAllBytes(path));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(path));
        using var doc = JsonDocument.Parse(run.Out);
        var root = doc.RootElement;
        Assert.Equal(path, root.GetProperty("key_file").GetString());
        Assert.Equal(KeyFile.Read(path, out _).FingerprintText, root.GetProperty("fingerprint").GetString());
        Assert.Equal(32, root.GetProperty("bytes").GetInt32());
        Assert.Equal("0400", root.GetProperty("mode").GetString());
        Assert.True(root.GetProperty("replaced").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("created_directory").ValueKind);
    }

    [Fact]
    public async Task Creates_missing_directories_with_mode_0755()
    {
        string top = Path.Combine(_directory.FullName, "etc");
        string path = Path.Combine(top, "muster", "authkey");

        var run = await CliRun.RunAsync("keygen", "--key-file", path);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.StartsWith($"created directory {top} (mode 0755)\n", run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        // The umask may take bits away, never add them; owner rwx must be there for the key to be written at all.
        var mode = File.GetUnixFileMode(Path.Combine(top, "muster"));
        Assert.Equal(0, (int)(mode & ~KeygenCommand.DirectoryMode));
        Assert.True(mode.HasFlag(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task The_path_comes_from_the_configuration_given_with_config()
    {
        string keyPath = Path.Combine(_directory.FullName, "keys", "cluster.key");
        string config = WriteConfig($"[security]\nkey_file = \"{keyPath}\"\n");

        var run = await CliRun.RunAsync("keygen", "--config", config);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.True(File.Exists(keyPath));
        Assert.Contains($"security.key_file in {config}", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_file_beats_the_configuration()
    {
        string fromConfig = Path.Combine(_directory.FullName, "from-config");
        string given = Path.Combine(_directory.FullName, "given");
        string config = WriteConfig($"[security]\nkey_file = \"{fromConfig}\"\n");

        var run = await CliRun.RunAsync("keygen", "--config", config, "--key-file", given);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.True(File.Exists(given));
        Assert.False(File.Exists(fromConfig));
    }

    [Fact]
    public async Task Crypto_none_in_the_configuration_is_noted_on_stderr()
    {
        string keyPath = Path.Combine(_directory.FullName, "authkey");
        string config = WriteConfig($"[security]\ncrypto = \"none\"\nkey_file = \"{keyPath}\"\n");

        var run = await CliRun.RunAsync("keygen", "--config", config);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("sets security.crypto = \"none\"", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_configuration_that_is_missing_or_invalid_exits_6()
    {
        string missing = Path.Combine(_directory.FullName, "nope.toml");
        string invalid = WriteConfig("[security]\nkey_file = \"relative/path\"\n");

        var notFound = await CliRun.RunAsync("keygen", "--config", missing);
        var broken = await CliRun.RunAsync("keygen", "--config", invalid);

        Assert.True(notFound.ExitCode == ExitCodes.FileError, notFound.ToString());
        Assert.Contains(missing, notFound.Error, StringComparison.Ordinal);
        Assert.Contains("not found", notFound.Error, StringComparison.Ordinal);
        Assert.EndsWith("name the key file with --key-file", notFound.Error.TrimEnd(), StringComparison.Ordinal);
        Assert.True(broken.ExitCode == ExitCodes.FileError, broken.ToString());
        Assert.Contains("security.key_file", broken.Error, StringComparison.Ordinal);
        // Nothing but the two configuration files: no key went anywhere.
        Assert.DoesNotContain(Directory.GetFiles(_directory.FullName, "*", SearchOption.AllDirectories), f => !f.EndsWith(".toml", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_any_configuration_the_default_path_is_used()
    {
        string absent = Path.Combine(_directory.FullName, "muster.toml");

        var choice = KeygenCommand.ResolveKeyFile(null, null, null, absent);

        Assert.Equal(SecurityOptions.DefaultKeyFile, choice.Path);
        Assert.Contains(absent, choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_environment_names_the_configuration_when_config_is_not_given()
    {
        string keyPath = Path.Combine(_directory.FullName, "env.key");
        string config = WriteConfig($"[security]\nkey_file = \"{keyPath}\"\n");
        string absentDefault = Path.Combine(_directory.FullName, "default.toml");

        var fromEnvironment = KeygenCommand.ResolveKeyFile(null, null, config, absentDefault);

        Assert.Equal(keyPath, fromEnvironment.Path);
        // A named file that is missing is an error, not a quiet fall back to the default key path.
        Assert.Throws<ConfigException>(() => KeygenCommand.ResolveKeyFile(null, null, absentDefault, absentDefault));
    }

    [Fact]
    public async Task A_directory_as_key_file_exits_6()
    {
        var run = await CliRun.RunAsync("keygen", "--key-file", _directory.FullName);

        Assert.True(run.ExitCode == ExitCodes.FileError, run.ToString());
        Assert.Contains("is a directory", run.Error, StringComparison.Ordinal);
    }

    // A minimal valid muster.toml plus the given tables.
    private string WriteConfig(string extra)
    {
        string path = Path.Combine(_directory.FullName, $"muster-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path,
            "[cluster]\nname = \"test\"\nconfig_version = 1\n\n[[node]]\nid = 1\nname = \"alpha\"\naddresses = [\"127.0.0.1\"]\n\n" + extra);
        return path;
    }
}
