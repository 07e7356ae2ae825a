namespace Muster.Core.Tests;

public class ViewIdTests
{
    [Fact]
    public void CompareTo_OrdersBySequenceThenCoordinator()
    {
        var a = new ViewId(4, new NodeId(3));
        var b = new ViewId(5, new NodeId(1));
        var c = new ViewId(5, new NodeId(2));
        Assert.True(a < b);
        Assert.True(b < c);
        Assert.Equal("2.5", c.ToString());
        Assert.Equal("none", ViewId.None.ToString());
    }
}
