using Muster.Core;

namespace Muster.Wire.Messages;

/// <summary>Start of a Data packet: the view it was submitted in and how many fragments follow.</summary>
public readonly record struct DataHeader(ViewId View, ushort Count)
{
    public const int Size = 14;

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(View);
        writer.WriteUInt16(Count);
    }

    public static bool TryRead(ref WireReader reader, out DataHeader header)
    {
        header = default;
        if (!reader.TryReadViewId(out var view) || !reader.TryReadUInt16(out ushort count))
        {
            return false;
        }

        header = new DataHeader(view, count);
        return true;
    }
}

/// <summary>Start of an Ordered packet: the view, the sequencer's stable and highest sequence, the fragment count.</summary>
/// <remarks>
/// <see cref="Stable"/> is the highest sequence every member has acknowledged (receivers may drop what is at or
/// below it); <see cref="Highest"/> is the highest sequence assigned so far, so a receiver notices a lost tail.
/// </remarks>
public readonly record struct OrderedHeader(ViewId View, ulong Stable, ulong Highest, ushort Count)
{
    public const int Size = 30;

    public void Write(ref WireWriter writer)
    {
        writer.WriteViewId(View);
        writer.WriteUInt64(Stable);
        writer.WriteUInt64(Highest);
        writer.WriteUInt16(Count);
    }

    public static bool TryRead(ref WireReader reader, out OrderedHeader header)
    {
        header = default;
        if (!reader.TryReadViewId(out var view) || !reader.TryReadUInt64(out ulong stable) ||
            !reader.TryReadUInt64(out ulong highest) || !reader.TryReadUInt16(out ushort count))
        {
            return false;
        }

        header = new OrderedHeader(view, stable, highest, count);
        return true;
    }
}
