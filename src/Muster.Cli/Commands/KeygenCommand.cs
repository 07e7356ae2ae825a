using System.CommandLine;
using Muster.Cli.Output;
using Muster.Configuration;
using Muster.Security;

namespace Muster.Cli.Commands;

// muster keygen: corosync-keygen. Writes the shared cluster key; needs no daemon.
internal static class KeygenCommand
{
    // A directory keygen has to create holds the configuration next to the key (/etc/muster), as /etc/corosync does:
    // readable by all, writable by root. The key file itself is 0400, which is what protects the secret.
    public const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static Command Create(CommandContext context)
    {
        var keyFile = new Option<string?>("--key-file", "-k")
        {
            Description = "Where to write the key (default: security.key_file of the configuration, else "
                + $"{SecurityOptions.DefaultKeyFile})",
            HelpName = "PATH",
        };
        keyFile.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string?>()))
            {
                result.AddError("--key-file must name a file, not be empty");
            }
        });
        var config = new Option<string?>("--config", "-c")
        {
            Description = $"The configuration to take security.key_file from (default: ${ConfigPaths.EnvironmentVariable}, "
                + $"else {ConfigPaths.DefaultPath}); not read when --key-file is given",
            HelpName = "PATH",
        };
        var force = new Option<bool>("--force", "-f")
        {
            Description = "Replace an existing key file (every node must then get the new file: see docs/security.md)",
        };
        var json = GlobalOptions.CreateJson();
        var command = new Command("keygen",
            "Write a new random cluster key (32 bytes, mode 0400), like corosync-keygen. Copy the file to every node. "
            + "Refuses to replace an existing file without --force. Does not need musterd.")
        {
            keyFile,
            config,
            force,
            json,
        };

        command.SetAction(parseResult =>
        {
            KeyFileChoice choice;
            try
            {
                choice = ResolveKeyFile(parseResult.GetValue(keyFile), parseResult.GetValue(config),
                    Environment.GetEnvironmentVariable(ConfigPaths.EnvironmentVariable), ConfigPaths.DefaultPath);
            }
            catch (ConfigException ex)
            {
                return context.Fail(ExitCodes.FileError,
                    $"{ex.Message}; fix it, or name the key file with --key-file");
            }

            return Generate(context, choice, parseResult.GetValue(force), parseResult.GetValue(json));
        });
        return command;
    }

    // Where the key goes, and why there. --key-file wins and no configuration is read. Otherwise the configuration is
    // found as musterd finds it; one named by --config or $MUSTER_CONFIG must load (a typo must not send the key to
    // the default place while the daemon looks elsewhere), while a missing default file just means the default path.
    internal static KeyFileChoice ResolveKeyFile(string? keyFileOption, string? configOption, string? environmentValue, string defaultConfigPath)
    {
        if (!string.IsNullOrWhiteSpace(keyFileOption))
        {
            return new KeyFileChoice(Path.GetFullPath(keyFileOption), "given with --key-file", null);
        }

        bool named = !string.IsNullOrWhiteSpace(configOption) || !string.IsNullOrWhiteSpace(environmentValue);
        string configPath = named ? ConfigPaths.Resolve(configOption, environmentValue) : defaultConfigPath;

        if (!named && !File.Exists(configPath) && !Directory.Exists(configPath))
        {
            return new KeyFileChoice(SecurityOptions.DefaultKeyFile, $"default path: no configuration file at {configPath}", null);
        }

        var loaded = ConfigLoader.LoadFile(configPath);
        string source = loaded.SourcePath ?? configPath;
        string? note = loaded.Security.Encrypt ? null
            : $"note: {source} sets security.crypto = \"none\": musterd will not use this key until it is \"aes256gcm\"";
        return new KeyFileChoice(Path.GetFullPath(loaded.Security.KeyFile), $"security.key_file in {source}", note);
    }

    private static int Generate(CommandContext context, KeyFileChoice choice, bool force, bool asJson)
    {
        if (OperatingSystem.IsWindows())
        {
            return context.Fail(ExitCodes.FileError, "keygen sets Unix file modes (0400) and runs on Linux only");
        }

        string path = choice.Path;
        if (Directory.Exists(path))
        {
            return context.Fail(ExitCodes.FileError, $"key file {path}: is a directory; name the file to write");
        }

        bool replacing = File.Exists(path);
        string? createdDirectory = null;
        ClusterKey key;
        try
        {
            string directory = Path.GetDirectoryName(path) ?? "/";
            if (!Directory.Exists(directory))
            {
                // Reported as the topmost directory made, since every missing level is created (each with the mode).
                createdDirectory = directory;
                while (Path.GetDirectoryName(createdDirectory) is { } parent && !Directory.Exists(parent))
                {
                    createdDirectory = parent;
                }

                Directory.CreateDirectory(directory, DirectoryMode);
            }

            key = KeyFile.Generate(path, force);
        }
        catch (KeyFileException ex)
        {
            return context.Fail(ExitCodes.FileError, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return context.Fail(ExitCodes.FileError, $"cannot create the directory for key file {path}: {ex.Message}");
        }

        if (choice.Note is not null)
        {
            context.Error.WriteLine($"muster: {choice.Note}");
        }

        var result = new KeygenResult(path, key.FingerprintText, KeyFile.GeneratedLength, replacing, createdDirectory, choice.Reason);
        if (asJson)
        {
            context.Out.WriteLine(JsonOutput.Keygen(result));
        }
        else
        {
            TextOutput.Keygen(context.Out, result);
        }

        return ExitCodes.Success;
    }
}

// Where keygen writes, why there (for the output), and a note for stderr.
internal sealed record KeyFileChoice(string Path, string Reason, string? Note);

// What keygen did, for both output formats.
internal sealed record KeygenResult(string Path, string Fingerprint, int Bytes, bool Replaced, string? CreatedDirectory, string Reason);
