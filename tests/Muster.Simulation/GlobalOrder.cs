namespace Muster.Simulation;

/// <summary>
/// Checks that one total order covers every delivery on every node, across views: each node's delivery sequence is
/// a chain of edges (previous delivery → this one) in one graph over all messages, and a single order exists exactly
/// when that graph has no cycle. Kept acyclic online with the Pearce–Kelly dynamic topological order, so the common
/// case (nodes deliver in the same order) costs one comparison per delivery.
/// </summary>
/// <typeparam name="TKey">How a message is identified (sender, incarnation, number).</typeparam>
public sealed class GlobalOrder<TKey> where TKey : notnull
{
    private sealed class Vertex(TKey key, int order)
    {
        public TKey Key { get; } = key;
        public int Order { get; set; } = order;
        public List<Vertex> Out { get; } = [];
        public List<Vertex> In { get; } = [];
        public int Visit { get; set; }
    }

    private readonly Dictionary<TKey, Vertex> _vertices = [];
    private readonly Dictionary<int, Vertex> _last = [];
    private int _nextOrder;
    private int _visit;

    /// <summary>Messages seen so far.</summary>
    public int Count => _vertices.Count;

    /// <summary>
    /// Records that <paramref name="node"/> delivered <paramref name="message"/> right after its previous delivery.
    /// Returns null, or a description of the cycle this delivery closes (two deliveries in opposite orders).
    /// </summary>
    public string? Deliver(int node, TKey message)
    {
        if (!_vertices.TryGetValue(message, out var v))
        {
            v = new Vertex(message, _nextOrder++);
            _vertices[message] = v;
        }

        string? failure = null;
        if (_last.TryGetValue(node, out var previous) && previous != v)
        {
            failure = AddEdge(previous, v);
        }

        _last[node] = v;
        return failure;
    }

    /// <summary>A node restarted: its next delivery starts a new chain (a new incarnation is a new process).</summary>
    public void Reset(int node) => _last.Remove(node);

    private string? AddEdge(Vertex from, Vertex to)
    {
        if (from.Out.Contains(to))
        {
            return null;
        }

        if (from.Order < to.Order)
        {
            from.Out.Add(to);
            to.In.Add(from);
            return null;
        }

        // Pearce–Kelly: the vertices reachable from 'to' with order below from's, and those reaching 'from' with order
        // above to's, are the only ones that must move; if 'from' is reachable from 'to', the edge closes a cycle.
        int upper = from.Order;
        int lower = to.Order;
        var forward = new List<Vertex>();
        _visit++;
        if (Forward(to, upper, forward, from))
        {
            return $"{from.Key} was delivered before {to.Key} here, but {to.Key} precedes {from.Key} in the order other deliveries fixed";
        }

        var backward = new List<Vertex>();
        Backward(from, lower, backward);
        forward.Sort((a, b) => a.Order.CompareTo(b.Order));
        backward.Sort((a, b) => a.Order.CompareTo(b.Order));
        var slots = new List<int>(forward.Count + backward.Count);
        foreach (var x in backward)
        {
            slots.Add(x.Order);
        }

        foreach (var x in forward)
        {
            slots.Add(x.Order);
        }

        slots.Sort();
        int i = 0;
        foreach (var x in backward)
        {
            x.Order = slots[i++];
        }

        foreach (var x in forward)
        {
            x.Order = slots[i++];
        }

        from.Out.Add(to);
        to.In.Add(from);
        return null;
    }

    private bool Forward(Vertex start, int upper, List<Vertex> found, Vertex target)
    {
        var stack = new Stack<Vertex>();
        stack.Push(start);
        start.Visit = _visit;
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            found.Add(v);
            foreach (var w in v.Out)
            {
                if (w == target)
                {
                    return true;
                }

                if (w.Visit != _visit && w.Order < upper)
                {
                    w.Visit = _visit;
                    stack.Push(w);
                }
            }
        }

        return false;
    }

    private void Backward(Vertex start, int lower, List<Vertex> found)
    {
        var stack = new Stack<Vertex>();
        stack.Push(start);
        start.Visit = _visit;
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            found.Add(v);
            foreach (var w in v.In)
            {
                if (w.Visit != _visit && w.Order > lower)
                {
                    w.Visit = _visit;
                    stack.Push(w);
                }
            }
        }
    }
}
