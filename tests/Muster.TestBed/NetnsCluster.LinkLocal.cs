namespace Muster.TestBed;

public sealed partial class NetnsCluster
{
    /// <summary>
    /// Moves link 1 (the second network) to IPv6 link-local addresses with a scope: every node gets fe80::{run}:{i}
    /// on its eth1 (no duplicate-address detection, so it is usable at once), and every configuration names the
    /// nodes' second address as <c>[fe80::{run}:{i}%eth1]</c>. Call after <c>Create</c> with two networks and before
    /// starting the daemons.
    /// </summary>
    public void UseLinkLocalSecondNetwork()
    {
        foreach (var node in Nodes)
        {
            Shell.Must("ip", "-n", node.Namespace, "-6", "addr", "add", $"fe80::{Run}:{node.Index}/64", "dev", "eth1", "nodad");
        }

        foreach (var node in Nodes)
        {
            string text = File.ReadAllText(node.ConfigPath);
            foreach (var other in Nodes)
            {
                string scoped = $"\"[fe80::{Run}:{other.Index}%eth1]:{Port}\"";
                text = text.Replace($"\"{other.Addresses[1]}:{Port}\"", scoped, StringComparison.Ordinal)
                           .Replace($"\"{other.Addresses[1]}\"", scoped, StringComparison.Ordinal);
            }

            File.WriteAllText(node.ConfigPath, text);
        }
    }
}
