namespace Muster.TestBed.Tests;

/// <summary>
/// Every test-bed class joins this collection, so they run one at a time: each starts several real daemons, and on
/// a 2-core machine two clusters at once would starve each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TestBedCollection
{
    public const string Name = "testbed";
}
