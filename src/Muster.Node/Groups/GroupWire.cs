using System.Text;
using Muster.Core;
using Muster.Wire;

namespace Muster.Node.Groups;

/// <summary>Group-layer operations carried as ordered messages. Values are on the wire: never renumber.</summary>
internal enum GroupOp : byte
{
    Join = 1,
    Leave = 2,
    Multicast = 3,
    Sync = 4,
    ProcessDown = 5,
}

/// <summary>Encoding of group operations inside ordered messages: op u8, then the op's fields.</summary>
internal static class GroupWire
{
    public static int HeaderSize(string group) => 1 + 2 + Encoding.UTF8.GetByteCount(group) + 4;

    public static byte[] Encode(GroupOp op, string group, uint pid, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[HeaderSize(group) + payload.Length];
        var w = new WireWriter(bytes);
        w.WriteByte((byte)op);
        var name = Encoding.UTF8.GetBytes(group);
        w.WriteUInt16((ushort)name.Length);
        w.WriteBytes(name);
        w.WriteUInt32(pid);
        w.WriteBytes(payload);
        return bytes;
    }

    public static byte[] EncodeSync(IReadOnlyList<(string Group, uint Pid)> members)
    {
        int size = 1 + 4;
        foreach (var (g, _) in members)
        {
            size += 2 + Encoding.UTF8.GetByteCount(g) + 4;
        }

        var bytes = new byte[size];
        var w = new WireWriter(bytes);
        w.WriteByte((byte)GroupOp.Sync);
        w.WriteUInt32((uint)members.Count);
        foreach (var (g, pid) in members)
        {
            var name = Encoding.UTF8.GetBytes(g);
            w.WriteUInt16((ushort)name.Length);
            w.WriteBytes(name);
            w.WriteUInt32(pid);
        }

        return bytes;
    }

    public static bool TryReadName(ref WireReader r, out string group)
    {
        group = "";
        if (!r.TryReadUInt16(out ushort len) || len == 0 || len > GroupName.MaxBytes || !r.TryReadBytes(len, out var bytes))
        {
            return false;
        }

        // Every node decodes the same bytes the same way, so a name that breaks the rule (a NUL) is refused everywhere.
        group = Encoding.UTF8.GetString(bytes);
        return GroupName.IsValid(group);
    }
}
