using Muster.Client;
using Muster.Core;

namespace Muster.Cli.Commands;

// Why a node is alone or stuck joining, for `muster status` and `muster nodes`: the daemon's refusals, and the exit
// code and one-line summary they call for.
internal static class Refusals
{
    // Null when musterd predates the request: the rest of the status is still worth showing.
    public static async Task<IReadOnlyList<RefusalInfo>?> FetchAsync(MusterClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetRefusalsAsync(cancellationToken);
        }
        catch (MusterException ex) when (ex.Code == ErrorCode.NotSupported)
        {
            return null;
        }
    }

    // The exit code for a refusal's reason (see ExitCodes).
    public static int CodeOf(RefusalReason reason) => reason switch
    {
        RefusalReason.UnknownKey or RefusalReason.NotEncrypted or RefusalReason.Encrypted or RefusalReason.AuthenticationFailed
            => ExitCodes.KeysDiffer,
        RefusalReason.ProtocolVersion => ExitCodes.VersionDiffers,
        _ => ExitCodes.ConfigDiffers,
    };

    // "node 3 (gamma)", or the address for a source outside the node list.
    public static string Subject(RefusalInfo refusal) =>
        !refusal.Node.IsValid ? refusal.Address
        : refusal.Name.Length == 0 ? $"node {refusal.Node}"
        : $"node {refusal.Node} ({refusal.Name})";

    // Null when no refusal keeps a node out of this node's view; else the exit code and the summary for stderr. Only
    // refusals of nodes outside the view count (and of addresses outside the node list): one of a member is a stray
    // packet, not a reason to be alone.
    public static (int Code, string Message)? Verdict(
        IReadOnlyList<RefusalInfo>? refusals, IReadOnlyList<MemberInfo> members, NodeId self, string selfName, ViewId view)
    {
        var outside = (refusals ?? []).Where(r => !r.Node.IsValid || members.All(m => m.NodeId != r.Node)).ToList();
        if (outside.Count == 0)
        {
            return null;
        }

        int code = outside.Min(r => CodeOf(r.Reason));
        // Refusals arrive most recent first; the summary names the most recent one of the most important kind.
        var first = outside.First(r => CodeOf(r.Reason) == code);
        string situation = view.IsNone ? $"node {self} ({selfName}) has no view yet"
            : members.Count <= 1 ? $"node {self} ({selfName}) is alone in its view"
            : $"nodes are kept out of the view of node {self} ({selfName})";
        string more = outside.Count > 1 ? $" (and {outside.Count - 1} more: see `muster status`)" : "";
        return (code, $"{situation}: {Subject(first)}: {first.Text}{more}");
    }
}
