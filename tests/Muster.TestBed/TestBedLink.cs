namespace Muster.TestBed;

/// <summary>One node's cable to one network: the host side of its veth pair, which can be pulled and put back.</summary>
/// <remarks>
/// Down sets the bridge-side end down, so the node keeps its interface and address (as with a pulled cable) and
/// only sees the carrier go away.
/// </remarks>
public sealed class TestBedLink
{
    internal TestBedLink(TestBedNode node, int network, string hostInterface)
    {
        Node = node;
        Network = network;
        HostInterface = hostInterface;
    }

    /// <summary>The node.</summary>
    public TestBedNode Node { get; }

    /// <summary>The network, 1 or 2.</summary>
    public int Network { get; }

    /// <summary>The root-namespace end of the veth pair (a bridge port): <c>mt{run}-{i}n{net}</c>.</summary>
    public string HostInterface { get; }

    /// <summary>Cuts the link.</summary>
    public void Down() => Shell.Must("ip", "link", "set", HostInterface, "down");

    /// <summary>Restores the link.</summary>
    public void Up() => Shell.Must("ip", "link", "set", HostInterface, "up");
}
