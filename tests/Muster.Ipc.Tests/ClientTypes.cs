namespace Muster.Ipc.Tests;

// The client's own types beside the wire's, for tests that feed a fake daemon wire records and check what the client
// returns.
internal static class ClientTypes
{
    public static Muster.Client.GroupMember ToClient(this Muster.Ipc.Contracts.GroupMember member) => new(member.NodeId, member.ProcessId);
}
