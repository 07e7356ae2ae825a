using System.Reflection;
using C = Muster.Client;
using W = Muster.Ipc.Contracts;

namespace Muster.Ipc.Tests;

// The client's public API is its own: no type of the IPC protocol shows in it (so a wire change cannot silently change
// the API; the public API analyzers track the API itself), and its enums name every value the protocol carries.
public sealed class ClientApiTests
{
    private static readonly Assembly s_client = typeof(C.MusterClient).Assembly;
    private static readonly Assembly s_wire = typeof(W.IpcProtocol).Assembly;

    [Fact]
    public void No_wire_type_appears_in_the_public_surface()
    {
        var leaks = Leaks(s_client, s_wire);
        Assert.True(leaks.Count == 0, "wire types in Muster.Client's public API:\n" + string.Join('\n', leaks));
    }

    [Fact]
    public void The_check_finds_wire_types_in_a_surface_that_has_them()
    {
        // The walk must be able to fail: the IPC server's public API is built on the wire records.
        var leaks = Leaks(typeof(IpcServer).Assembly, s_wire);
        Assert.Contains(leaks, l => l.Contains("IIpcHandler", StringComparison.Ordinal));
    }

    private static bool IsVisible(MethodBase? m) => m is not null && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly);

    private static List<string> Leaks(Assembly surface, Assembly forbidden)
    {
        var leaks = new List<string>();
        foreach (var type in surface.GetExportedTypes())
        {
            Check(type.BaseType, $"{type.Name} base type");
            foreach (var i in type.GetInterfaces())
            {
                Check(i, $"{type.Name} interface");
            }

            const BindingFlags Visible = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(Visible))
            {
                switch (member)
                {
                    case FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly:
                        Check(f.FieldType, $"{type.Name}.{f.Name}");
                        break;
                    case PropertyInfo p when IsVisible(p.GetMethod) || IsVisible(p.SetMethod):
                        Check(p.PropertyType, $"{type.Name}.{p.Name}");
                        break;
                    case MethodBase m when IsVisible(m):
                        if (m is MethodInfo mi)
                        {
                            Check(mi.ReturnType, $"{type.Name}.{m.Name} return");
                        }

                        foreach (var parameter in m.GetParameters())
                        {
                            Check(parameter.ParameterType, $"{type.Name}.{m.Name}({parameter.Name})");
                        }

                        break;
                }
            }
        }

        return leaks;

        void Check(Type? t, string where)
        {
            if (t is null)
            {
                return;
            }

            if (t.HasElementType)
            {
                Check(t.GetElementType(), where);
                return;
            }

            if (t.Assembly == forbidden)
            {
                leaks.Add($"{where}: {t.FullName}");
            }

            if (t.IsGenericType)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Check(argument, where);
                }
            }
        }
    }

    public static TheoryData<Type, Type> EnumPairs() => new()
    {
        { typeof(W.ErrorCode), typeof(C.ErrorCode) },
        { typeof(W.TrackFlags), typeof(C.TrackFlags) },
        { typeof(W.MemberState), typeof(C.MemberState) },
        { typeof(W.MembershipChange), typeof(C.MembershipChange) },
        { typeof(W.GroupChangeReason), typeof(C.GroupChangeReason) },
        { typeof(W.KeyOperation), typeof(C.KeyOperation) },
        { typeof(W.KeyRole), typeof(C.KeyRole) },
        { typeof(W.RefusalDirection), typeof(C.RefusalDirection) },
        { typeof(W.RefusalReason), typeof(C.RefusalReason) },
        { typeof(W.QuorumFlags), typeof(C.QuorumFlags) },
        { typeof(W.QuorumReason), typeof(C.QuorumReason) },
    };

    [Theory]
    [MemberData(nameof(EnumPairs))]
    public void Every_wire_enum_value_has_a_client_name_with_the_same_number(Type wire, Type client)
    {
        var clientValues = Enum.GetNames(client).ToDictionary(n => n, n => Convert.ToInt64(Enum.Parse(client, n), System.Globalization.CultureInfo.InvariantCulture));
        foreach (string name in Enum.GetNames(wire))
        {
            long number = Convert.ToInt64(Enum.Parse(wire, name), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(clientValues.TryGetValue(name, out long clientNumber), $"{client.Name} has no {name} (wire {wire.Name}.{name} = {number})");
            Assert.Equal(number, clientNumber);
        }
    }
}
