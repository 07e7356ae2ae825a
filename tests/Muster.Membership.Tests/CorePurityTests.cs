using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Muster.Core;
using Muster.Membership;
using Muster.Node;
using Muster.Wire;

namespace Muster.Membership.Tests;

/// <summary>
/// The protocol cores stay pure (docs/architecture.md): their compiled assemblies reference no socket, thread, timer,
/// clock, logger or <see cref="System.Random"/>. Read from the assemblies' metadata, so any use counts, whatever the syntax.
/// </summary>
public class CorePurityTests
{
    // Namespaces whose every type is out of bounds for a core.
    private static readonly string[] ForbiddenNamespaces =
    [
        "System.Net.Sockets", "System.Net.Http", "System.IO.Pipes", "System.Threading.Tasks", "System.Diagnostics.Metrics",
        // The cores emit log events as data (a level and a text); only the shells log (Muster.Diagnostics).
        "Microsoft.Extensions.Logging",
    ];

    // Single types out of bounds (namespace.name).
    private static readonly string[] ForbiddenTypes =
    [
        "System.Threading.Thread", "System.Threading.Timer", "System.Threading.ThreadPool", "System.Threading.Monitor",
        "System.Threading.Lock", "System.Threading.SemaphoreSlim", "System.Threading.Interlocked", "System.Threading.Volatile",
        "System.Random", "System.TimeProvider", "System.Diagnostics.Stopwatch", "System.Timers.Timer", "System.IO.File",
        "System.IO.FileStream", "System.Console",
    ];

    // Members out of bounds on types that are otherwise fine (type, member).
    private static readonly (string Type, string Member)[] ForbiddenMembers =
    [
        ("System.DateTime", "get_Now"), ("System.DateTime", "get_UtcNow"), ("System.DateTimeOffset", "get_Now"),
        ("System.DateTimeOffset", "get_UtcNow"), ("System.Environment", "get_TickCount"), ("System.Environment", "get_TickCount64"),
        ("System.Guid", "NewGuid"),
    ];

    public static TheoryData<string> CoreAssemblies() =>
    [
        typeof(NodeId).Assembly.Location,
        typeof(WireProtocol).Assembly.Location,
        typeof(MembershipEngine).Assembly.Location,
        typeof(ClusterNode).Assembly.Location,
    ];

    [Theory]
    [MemberData(nameof(CoreAssemblies))]
    public void CoreAssembly_ReferencesNoSocketThreadClockOrRandom(string path)
    {
        var found = ForbiddenReferences(path);
        Assert.True(found.Count == 0, $"{Path.GetFileName(path)} references: {string.Join(", ", found)}");
    }

    [Fact]
    public void TheCheck_FindsAClockInAnAssemblyThatUsesOne()
    {
        // This test assembly reads the clock (xUnit and the tests do): the check must see it, or it proves nothing.
        _ = DateTime.UtcNow;
        var found = ForbiddenReferences(typeof(CorePurityTests).Assembly.Location);
        Assert.Contains("System.DateTime.get_UtcNow", found);
    }

    // Allowed although in a forbidden namespace: data, not I/O (the wire encodes endpoints by address family).
    private static readonly string[] Allowed = ["System.Net.Sockets.AddressFamily"];

    private static List<string> ForbiddenReferences(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var handle in md.TypeReferences)
        {
            string name = FullName(md, md.GetTypeReference(handle));
            string ns = md.GetString(md.GetTypeReference(handle).Namespace);
            if ((Array.Exists(ForbiddenNamespaces, f => ns == f || ns.StartsWith(f + ".", StringComparison.Ordinal)) ||
                 Array.IndexOf(ForbiddenTypes, name) >= 0) && Array.IndexOf(Allowed, name) < 0)
            {
                found.Add(name);
            }
        }

        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
            {
                continue;
            }

            string type = FullName(md, md.GetTypeReference((TypeReferenceHandle)member.Parent));
            string name = md.GetString(member.Name);
            if (Array.Exists(ForbiddenMembers, f => f.Type == type && f.Member == name))
            {
                found.Add($"{type}.{name}");
            }
        }

        return [.. found];
    }

    private static string FullName(MetadataReader md, TypeReference type)
    {
        string ns = md.GetString(type.Namespace);
        string name = md.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            // A nested type: name it after its declaring type.
            return FullName(md, md.GetTypeReference((TypeReferenceHandle)type.ResolutionScope)) + "+" + name;
        }

        return ns.Length == 0 ? name : $"{ns}.{name}";
    }
}
