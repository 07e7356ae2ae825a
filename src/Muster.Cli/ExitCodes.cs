namespace Muster.Cli;

// The exit codes of `muster`. They are part of the tool's interface (scripts test them): never renumber one,
// only add new ones, and keep docs/cli.md and the --help text (Cli.ExitCodesHelp) in step.
internal static class ExitCodes
{
    public const int Success = 0;

    // musterd answered with an error; its ErrorCode and message go to stderr.
    public const int DaemonError = 1;

    // The command line did not parse (System.CommandLine reports the problem).
    public const int Usage = 2;

    // The socket could not be reached, or the connection was lost.
    public const int CannotConnect = 3;

    // musterd did not answer within --timeout.
    public const int Timeout = 4;

    // The node has no view yet, or is not (any more) a member of the cluster.
    public const int NoView = 5;

    // A local file could not be used, without musterd being involved: `muster keygen` found the key file already there
    // (and no --force), could not write it or create its directory, or could not read the configuration file that
    // names it. Not 1 (no daemon said anything) and not 2 (the command line was fine).
    public const int FileError = 6;

    // `muster status` and `muster nodes`: another node is kept out of this node's view (or this node out of theirs)
    // because packets are refused, and the daemon says why. Each is more specific than NoView and takes precedence;
    // with several, the lowest applies. 7: packets cannot be opened (another key file, or encryption on one side only).
    public const int KeysDiffer = 7;

    // 8: the configurations differ: cluster name, config_version, node list, or datagrams from an address that is
    // not in this node's node list. A refusal reason this build does not know counts here too.
    public const int ConfigDiffers = 8;

    // 9: no wire protocol version in common (builds too far apart).
    public const int VersionDiffers = 9;

    // Stopped by SIGINT/SIGTERM before finishing (128 + SIGINT, as shells report it). `muster listen` exits 0 instead.
    public const int Interrupted = 130;

    // Lines for the --help text; docs/cli.md has the same table.
    public static readonly (int Code, string Meaning)[] All =
    [
        (Success, "success"),
        (DaemonError, "musterd reported an error (its error code and message are printed on stderr)"),
        (Usage, "usage error: the command line did not parse"),
        (CannotConnect, "cannot connect to musterd (or the connection was lost): is it running, is --socket right?"),
        (Timeout, "musterd did not answer within --timeout"),
        (NoView, "this node has no view yet, or is not a member of the cluster"),
        (FileError, "a local file could not be used: the key file exists (keygen without --force) or cannot be written, or the configuration cannot be read"),
        (KeysDiffer, "status/nodes: packets between this node and another cannot be opened: the key files differ, or encryption is on at one end only"),
        (ConfigDiffers, "status/nodes: a node is refused because the configurations differ (cluster name, config_version, node list, or an address not in the node list)"),
        (VersionDiffers, "status/nodes: a node is refused because it has no wire protocol version in common with this one"),
        (Interrupted, "interrupted (Ctrl-C or SIGTERM) before finishing; `muster listen` exits 0 instead"),
    ];
}
