using System.Globalization;
using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Output;

// The words both output formats use for enums and values. Spelled out rather than taken from Enum.ToString so that
// renaming a C# member cannot change what scripts parse.
internal static class Names
{
    public static string State(MemberState state) => state switch
    {
        MemberState.Member => "member",
        MemberState.Left => "left",
        MemberState.Failed => "failed",
        MemberState.Joining => "joining",
        MemberState.Leaving => "leaving",
        _ => Unknown((int)state),
    };

    // snake_case for JSON; TextOutput shows it with a space ("node down").
    public static string Reason(GroupChangeReason reason) => reason switch
    {
        GroupChangeReason.Join => "join",
        GroupChangeReason.Leave => "leave",
        GroupChangeReason.NodeDown => "node_down",
        GroupChangeReason.NodeUp => "node_up",
        GroupChangeReason.ProcessDown => "process_down",
        _ => Unknown((int)reason),
    };

    // A key's role in both output formats.
    public static string Role(KeyRole role) => role switch
    {
        KeyRole.Current => "current",
        KeyRole.Staged => "staged",
        KeyRole.Previous => "previous",
        _ => Unknown((int)role),
    };

    // What differs, in both output formats.
    public static string Reason(RefusalReason reason) => reason switch
    {
        RefusalReason.ClusterName => "cluster_name",
        RefusalReason.ConfigVersion => "config_version",
        RefusalReason.ProtocolVersion => "protocol_version",
        RefusalReason.NodeList => "node_list",
        RefusalReason.UnknownAddress => "unknown_address",
        RefusalReason.UnknownKey => "unknown_key",
        RefusalReason.NotEncrypted => "not_encrypted",
        RefusalReason.Encrypted => "encrypted",
        RefusalReason.AuthenticationFailed => "authentication_failed",
        _ => Unknown((int)reason),
    };

    public static string Direction(RefusalDirection direction) => direction switch
    {
        RefusalDirection.Inbound => "inbound",
        RefusalDirection.Outbound => "outbound",
        _ => Unknown((int)direction),
    };

    // "0.4s ago", "12s ago": how long ago a refusal was last seen.
    public static string Ago(TimeSpan age) => age.TotalSeconds < 10
        ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalSeconds:0.0}s ago")
        : string.Create(CultureInfo.InvariantCulture, $"{age.TotalSeconds:0}s ago");

    // The eight hex digits musterd's log and `muster keygen` use for a key.
    public static string Fingerprint(uint fingerprint) => fingerprint.ToString("x8", CultureInfo.InvariantCulture);

    // Null for "no view yet" in JSON; the text format prints "none" (ViewId.ToString).
    public static string? ViewOrNull(ViewId viewId) => viewId.IsNone ? null : viewId.ToString();

    public static string Milliseconds(TimeSpan value) =>
        value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    // A newer daemon may send values this build does not know; show the number rather than fail.
    private static string Unknown(int value) => string.Create(CultureInfo.InvariantCulture, $"unknown_{value}");
}
