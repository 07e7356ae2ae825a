namespace Muster.Configuration;

/// <summary>Where the configuration file is looked for.</summary>
/// <remarks>The command line beats the <c>MUSTER_CONFIG</c> environment variable, which beats <see cref="DefaultPath"/>.</remarks>
public static class ConfigPaths
{
    /// <summary>The file used when neither the command line nor the environment names one.</summary>
    public const string DefaultPath = "/etc/muster/muster.toml";

    /// <summary>Environment variable naming the configuration file.</summary>
    public const string EnvironmentVariable = "MUSTER_CONFIG";

    /// <summary>
    /// Picks the configuration file: <paramref name="commandLinePath"/>, else <c>$MUSTER_CONFIG</c>, else <see cref="DefaultPath"/>.
    /// </summary>
    /// <param name="commandLinePath">The path given on the command line (<c>--config</c>), or null. Empty counts as not given.</param>
    public static string Resolve(string? commandLinePath) =>
        Resolve(commandLinePath, Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>
    /// As <see cref="Resolve(string?)"/>, with the environment variable's value passed in (for tests, and for callers
    /// that read the environment themselves).
    /// </summary>
    /// <param name="commandLinePath">The path given on the command line, or null.</param>
    /// <param name="environmentValue">The value of <c>MUSTER_CONFIG</c>, or null when unset.</param>
    public static string Resolve(string? commandLinePath, string? environmentValue) =>
        !string.IsNullOrWhiteSpace(commandLinePath) ? commandLinePath
        : !string.IsNullOrWhiteSpace(environmentValue) ? environmentValue
        : DefaultPath;
}
