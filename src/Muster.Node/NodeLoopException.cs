namespace Muster.Node;

/// <summary>
/// The node's effects loop did not settle within <see cref="ClusterNode.MaxRounds"/> rounds of one input: a service
/// keeps submitting in reaction to what it is delivered. A bug, reported instead of a hung loop.
/// </summary>
public sealed class NodeLoopException(string message) : InvalidOperationException(message);
