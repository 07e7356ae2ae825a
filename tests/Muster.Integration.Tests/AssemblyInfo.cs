namespace Muster.Integration.Tests;

/// <summary>
/// Every multi-process test class joins this collection, so they run one at a time: they start real daemons, and
/// on a 2-core machine two clusters at once would starve each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DaemonCollection
{
    public const string Name = "daemons";
}
