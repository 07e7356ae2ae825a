using Muster.Core;
using Muster.Wire;

namespace Muster.Membership;

/// <summary>A local message waiting to be delivered back to its sender (which is when it counts as sent).</summary>
internal sealed class OutgoingMessage
{
    public OutgoingMessage(ServiceId service, byte[] payload, int fragmentSize, bool control)
    {
        Service = service;
        Control = control;
        Payload = payload;
        FragmentCount = (ushort)Math.Max(1, (payload.Length + fragmentSize - 1) / fragmentSize);
    }

    /// <summary>Assigned when its first fragment is first submitted, so numbers follow the order on the wire.</summary>
    public ulong MessageNo { get; set; }

    /// <summary>The view in which a fragment of it was last handed to the sequencer (none: never in this view).</summary>
    public ViewId SubmittedIn { get; set; }
    public byte[] Payload { get; }

    /// <summary>The service it belongs to (on the wire in every fragment from version 3).</summary>
    public ServiceId Service { get; }

    /// <summary>A view-scoped control message (for example a process-group sync): unnumbered, sent first in the view,
    /// and dropped rather than resubmitted if the view ends before it is delivered.</summary>
    public bool Control { get; }
    public ushort FragmentCount { get; }

    public ReadOnlySpan<byte> Fragment(ushort index, int fragmentSize)
    {
        int start = index * fragmentSize;
        return Payload.AsSpan(start, Math.Min(fragmentSize, Payload.Length - start));
    }
}
