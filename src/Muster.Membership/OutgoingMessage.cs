namespace Muster.Membership;

/// <summary>A local message waiting to be delivered back to its sender (which is when it counts as sent).</summary>
internal sealed class OutgoingMessage
{
    public OutgoingMessage(ulong messageNo, byte[] payload, int fragmentSize)
    {
        MessageNo = messageNo;
        Payload = payload;
        FragmentCount = (ushort)Math.Max(1, (payload.Length + fragmentSize - 1) / fragmentSize);
    }

    public ulong MessageNo { get; }
    public byte[] Payload { get; }
    public ushort FragmentCount { get; }

    public ReadOnlySpan<byte> Fragment(ushort index, int fragmentSize)
    {
        int start = index * fragmentSize;
        return Payload.AsSpan(start, Math.Min(fragmentSize, Payload.Length - start));
    }
}
