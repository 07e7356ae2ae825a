namespace Muster.Configuration;

/// <summary>How cluster traffic is protected (the <c>[security]</c> table).</summary>
public sealed record SecurityOptions
{
    /// <summary>The default <see cref="KeyFile"/>.</summary>
    public const string DefaultKeyFile = "/etc/muster/authkey";

    /// <summary>
    /// True (the default, <c>crypto = "aes256gcm"</c>): every packet is authenticated and encrypted with AES-256-GCM.
    /// False only with an explicit <c>crypto = "none"</c>, which the daemon warns about at every start.
    /// </summary>
    public bool Encrypt { get; init; } = true;

    /// <summary>Absolute path of the shared key file (<c>security.key_file</c>); the same bytes on every node.</summary>
    public string KeyFile { get; init; } = DefaultKeyFile;
}
