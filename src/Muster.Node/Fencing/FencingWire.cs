using System.Text;
using Muster.Core;
using Muster.Wire;

namespace Muster.Node.Fencing;

/// <summary>Fencing messages, ordered messages of <see cref="ServiceId.Fencing"/>. Values are on the wire: never renumber.</summary>
internal enum FencingOp : byte
{
    /// <summary>An attempt ended: every step the actor ran, and whether a level succeeded.</summary>
    Result = 1,

    /// <summary>An operator acknowledged a node as off.</summary>
    Ack = 2,

    /// <summary>An operator asked for a node to be fenced.</summary>
    Request = 3,

    /// <summary>A view's sync: the sender's pending fences and the incarnations it knows fenced.</summary>
    Sync = 4,
}

/// <summary>One step of an attempt.</summary>
internal readonly record struct FenceStep(int Level, string Device, FenceOutcome Outcome, TimeSpan Duration, string Output);

internal readonly record struct FenceResultMessage(NodeId Target, ulong Incarnation, FenceAction Action, bool Succeeded, IReadOnlyList<FenceStep> Steps);

internal readonly record struct FenceSyncMessage(IReadOnlyList<PendingFence> Pending, IReadOnlyList<(NodeId Node, ulong Incarnation)> Fenced);

/// <summary>
/// Encoding: op u8, version u8 (1), then the op's fields; strings are u16 length and UTF-8. Every count and length
/// is bounded on decode: the bytes are another node's.
/// </summary>
internal static class FencingWire
{
    public const byte Version = 1;
    public const int MaxSteps = 64;
    public const int MaxOutputBytes = 512;
    public const int MaxNameBytes = 256;
    public const int MaxEntries = 4096;

    // Incarnations are a counter or wall-clock milliseconds (about 2^41): far below this. A larger one from the wire
    // would make every later incarnation count as fenced.
    public const ulong MaxIncarnation = 1UL << 62;

    public static byte[] EncodeResult(FenceResultMessage m)
    {
        var w = new Writer();
        w.Byte((byte)FencingOp.Result);
        w.Byte(Version);
        w.UInt32(m.Target.Value);
        w.UInt64(m.Incarnation);
        w.Byte((byte)m.Action);
        w.Byte(m.Succeeded ? (byte)1 : (byte)0);
        w.Byte((byte)Math.Min(m.Steps.Count, MaxSteps));
        foreach (var s in m.Steps.Take(MaxSteps))
        {
            w.Byte((byte)s.Level);
            w.String(s.Device, MaxNameBytes);
            w.Byte((byte)s.Outcome);
            w.UInt64((ulong)s.Duration.Ticks);
            w.String(s.Output, MaxOutputBytes);
        }

        return w.ToArray();
    }

    public static byte[] EncodeAck(NodeId target, ulong incarnation, uint uid) => Simple(FencingOp.Ack, target, incarnation, 0, uid);

    public static byte[] EncodeRequest(NodeId target, ulong incarnation, FenceAction action, uint uid) =>
        Simple(FencingOp.Request, target, incarnation, (byte)action, uid);

    public static byte[] EncodeSync(FenceSyncMessage m)
    {
        var w = new Writer();
        w.Byte((byte)FencingOp.Sync);
        w.Byte(Version);
        w.UInt16((ushort)Math.Min(m.Pending.Count, MaxEntries));
        foreach (var p in m.Pending.Take(MaxEntries))
        {
            w.UInt32(p.Node.Value);
            w.UInt64(p.Incarnation);
            w.UInt64(Math.Max(p.Latest, p.Incarnation));
            w.Byte((byte)p.Action);
            w.UInt16((ushort)Math.Min(p.Attempts, ushort.MaxValue));
            w.String(p.RequestedBy, MaxNameBytes);
        }

        w.UInt16((ushort)Math.Min(m.Fenced.Count, MaxEntries));
        foreach (var (node, incarnation) in m.Fenced.Take(MaxEntries))
        {
            w.UInt32(node.Value);
            w.UInt64(incarnation);
        }

        return w.ToArray();
    }

    public static bool TryReadOp(ReadOnlySpan<byte> payload, out FencingOp op)
    {
        op = payload.Length >= 2 ? (FencingOp)payload[0] : 0;
        return payload.Length >= 2 && payload[1] >= Version;
    }

    public static bool TryDecodeResult(ReadOnlySpan<byte> payload, out FenceResultMessage m, out string problem)
    {
        m = default;
        var r = new WireReader(payload[2..]);
        if (!r.TryReadNode(out var target) || !r.TryReadUInt64(out ulong incarnation) || !r.TryReadByte(out byte action)
            || !r.TryReadByte(out byte succeeded) || !r.TryReadByte(out byte count))
        {
            problem = "fence result is truncated";
            return false;
        }

        if (!target.IsValid || !ValidAction(action) || count > MaxSteps || incarnation > MaxIncarnation)
        {
            problem = $"fence result for node {target.Value} with action {action} and {count} steps is out of range";
            return false;
        }

        var steps = new FenceStep[count];
        for (int i = 0; i < count; i++)
        {
            if (!r.TryReadByte(out byte level) || !TryString(ref r, MaxNameBytes, out string device) || !r.TryReadByte(out byte outcome)
                || !r.TryReadUInt64(out ulong ticks) || !TryString(ref r, MaxOutputBytes, out string output))
            {
                problem = $"fence result step {i} is truncated or too long";
                return false;
            }

            if (outcome is < 1 or > 3 || ticks > (ulong)TimeSpan.FromDays(1).Ticks)
            {
                problem = $"fence result step {i} has outcome {outcome} and {ticks} ticks, out of range";
                return false;
            }

            steps[i] = new FenceStep(level, device, (FenceOutcome)outcome, TimeSpan.FromTicks((long)ticks), output);
        }

        m = new FenceResultMessage(target, incarnation, (FenceAction)action, succeeded != 0, steps);
        problem = "";
        return true;
    }

    public static bool TryDecodeSimple(ReadOnlySpan<byte> payload, out NodeId target, out ulong incarnation, out byte extra, out uint uid,
        out string problem)
    {
        var r = new WireReader(payload[2..]);
        extra = 0;
        uid = 0;
        incarnation = 0;
        if (!r.TryReadNode(out target) || !r.TryReadUInt64(out incarnation) || !r.TryReadByte(out extra) || !r.TryReadUInt32(out uid))
        {
            problem = "fence request or acknowledgement is truncated";
            return false;
        }

        if (!target.IsValid || incarnation > MaxIncarnation)
        {
            problem = $"node {target.Value} incarnation {incarnation} is not a node and incarnation";
            return false;
        }

        problem = "";
        return true;
    }

    public static bool TryDecodeSync(ReadOnlySpan<byte> payload, out FenceSyncMessage m, out string problem)
    {
        m = default;
        var r = new WireReader(payload[2..]);
        if (!r.TryReadUInt16(out ushort pendingCount) || pendingCount > MaxEntries)
        {
            problem = "fence sync is truncated or lists too many pending fences";
            return false;
        }

        var pending = new List<PendingFence>(pendingCount);
        for (int i = 0; i < pendingCount; i++)
        {
            if (!r.TryReadNode(out var node) || !r.TryReadUInt64(out ulong incarnation) || !r.TryReadUInt64(out ulong latest)
                || !r.TryReadByte(out byte action) || !r.TryReadUInt16(out ushort attempts) || !TryString(ref r, MaxNameBytes, out string by)
                || !node.IsValid || !ValidAction(action) || incarnation > MaxIncarnation || latest > MaxIncarnation || latest < incarnation)
            {
                problem = $"fence sync entry {i} is truncated or out of range";
                return false;
            }

            pending.Add(new PendingFence(node, incarnation, (FenceAction)action, attempts, NodeId.None, by, latest));
        }

        if (!r.TryReadUInt16(out ushort fencedCount) || fencedCount > MaxEntries)
        {
            problem = "fence sync is truncated or lists too many fenced incarnations";
            return false;
        }

        var fenced = new List<(NodeId, ulong)>(fencedCount);
        for (int i = 0; i < fencedCount; i++)
        {
            if (!r.TryReadNode(out var node) || !r.TryReadUInt64(out ulong incarnation) || !node.IsValid || incarnation > MaxIncarnation)
            {
                problem = $"fence sync fenced entry {i} is truncated or out of range";
                return false;
            }

            fenced.Add((node, incarnation));
        }

        m = new FenceSyncMessage(pending, fenced);
        problem = "";
        return true;
    }

    // Fencing is off or reboot; on (unfencing) never ends a pending fence.
    public static bool ValidAction(byte action) => action is (byte)FenceAction.Off or (byte)FenceAction.Reboot;

    private static byte[] Simple(FencingOp op, NodeId target, ulong incarnation, byte extra, uint uid)
    {
        var w = new Writer();
        w.Byte((byte)op);
        w.Byte(Version);
        w.UInt32(target.Value);
        w.UInt64(incarnation);
        w.Byte(extra);
        w.UInt32(uid);
        return w.ToArray();
    }

    private static bool TryString(ref WireReader r, int max, out string value)
    {
        value = "";
        if (!r.TryReadUInt16(out ushort length) || length > max || !r.TryReadBytes(length, out var bytes))
        {
            return false;
        }

        value = Encoding.UTF8.GetString(bytes);
        return true;
    }

    // Control-plane messages: clarity over allocation (principle 2).
    private sealed class Writer
    {
        private readonly List<byte> _bytes = [];

        public void Byte(byte b) => _bytes.Add(b);

        public void UInt16(ushort v)
        {
            Span<byte> s = stackalloc byte[2];
            var w = new WireWriter(s);
            w.WriteUInt16(v);
            _bytes.AddRange(s);
        }

        public void UInt32(uint v)
        {
            Span<byte> s = stackalloc byte[4];
            var w = new WireWriter(s);
            w.WriteUInt32(v);
            _bytes.AddRange(s);
        }

        public void UInt64(ulong v)
        {
            Span<byte> s = stackalloc byte[8];
            var w = new WireWriter(s);
            w.WriteUInt64(v);
            _bytes.AddRange(s);
        }

        // Cut at a character boundary so the bytes stay valid UTF-8.
        public void String(string value, int max)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            int length = Math.Min(bytes.Length, max);
            while (length > 0 && length < bytes.Length && (bytes[length] & 0xC0) == 0x80)
            {
                length--;
            }

            UInt16((ushort)length);
            _bytes.AddRange(bytes.AsSpan(0, length));
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
