using Muster.Configuration.Toml;

namespace Muster.Configuration;

/// <summary>Reads and validates <c>muster.toml</c>.</summary>
/// <remarks>
/// The file is a subset of TOML (see docs/configuration.md). Unknown tables and keys, duplicate keys, wrong types,
/// malformed values and broken rules are all errors: a <see cref="ConfigException"/> naming the file, the line and
/// the key, and saying what is expected. Nothing is silently ignored.
/// </remarks>
public static class ConfigLoader
{
    /// <summary>Reads, parses and validates the configuration file at <paramref name="path"/>.</summary>
    /// <param name="path">The file, usually from <see cref="ConfigPaths.Resolve(string?)"/>.</param>
    /// <returns>The configuration, with <see cref="ClusterConfig.SourcePath"/> set to the file's full path.</returns>
    /// <exception cref="ConfigException">The file is missing, unreadable or invalid.</exception>
    public static ClusterConfig LoadFile(string path)
    {
        string text;
        try
        {
            if (Directory.Exists(path))
            {
                throw new ConfigException(path, 0, null, "is a directory, not a configuration file");
            }
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigException(path, 0, null,
                $"configuration file not found (choose another with the command line or the {ConfigPaths.EnvironmentVariable} "
                + "environment variable)", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ConfigException(path, 0, null, "cannot read the configuration file: permission denied", ex);
        }
        catch (IOException ex)
        {
            throw new ConfigException(path, 0, null, $"cannot read the configuration file: {ex.Message}", ex);
        }
        return Parse(text, path) with { SourcePath = Path.GetFullPath(path) };
    }

    /// <summary>Parses and validates configuration text.</summary>
    /// <param name="text">The contents of a <c>muster.toml</c>.</param>
    /// <param name="sourceName">Name used in error messages, usually the file name.</param>
    /// <returns>The configuration (its <see cref="ClusterConfig.SourcePath"/> is null).</returns>
    /// <exception cref="ConfigException">The text is not valid.</exception>
    public static ClusterConfig Parse(string text, string sourceName)
    {
        TomlDocument document = TomlReader.Parse(text, sourceName);
        var binder = new ConfigBinder(sourceName);
        ClusterConfig config = binder.Bind(document);
        ConfigValidator.Validate(config, sourceName, binder.Lines);
        return config;
    }

    /// <summary>Checks a configuration built in code against the same rules a loaded file must meet.</summary>
    /// <exception cref="ConfigException">A rule is broken (<see cref="ConfigException.Line"/> is 0).</exception>
    public static void Validate(ClusterConfig config) => ConfigValidator.Validate(config, config.SourceName, lines: null);
}
