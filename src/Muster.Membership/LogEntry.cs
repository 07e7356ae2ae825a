using Muster.Core;
using Muster.Wire;

namespace Muster.Membership;

/// <summary>A sequenced fragment kept until every member has it (so it can be retransmitted, or serve a view change).</summary>
internal sealed class LogEntry
{
    public LogEntry(ulong sequence, NodeId sender, ulong messageNo, ushort index, ushort count, ServiceId service, byte[] payload)
    {
        Service = service;
        Sequence = sequence;
        Sender = sender;
        MessageNo = messageNo;
        Index = index;
        Count = count;
        Payload = payload;
    }

    public ulong Sequence { get; }
    public NodeId Sender { get; }
    public ulong MessageNo { get; }
    public ushort Index { get; }
    public ushort Count { get; }
    public ServiceId Service { get; }
    public byte[] Payload { get; }
    // The newest version's overhead: a batch budgeted with it fits at every version.
    public int EncodedSize => Wire.Messages.Fragment.Overhead + Payload.Length;
}
