using Muster.Core;
using Muster.Core.Diagnostics;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Membership;

// The ordering layer of a view: the sequencer assigns sequences, members store and deliver in sequence order,
// acknowledge, and ask for what they miss. Every member keeps what is not yet stable, so any survivor can be the
// holder that brings the others up to a view's cut-off.
public sealed partial class MembershipEngine
{
    private const int MaxRetransmitPerNack = 64;
    private const int MaxNackSpan = 256;

    private readonly Dictionary<ulong, LogEntry> _log = [];
    private readonly Dictionary<NodeId, ulong> _expectedSubmit = [];
    private readonly Dictionary<NodeId, ulong> _memberAcks = [];
    private readonly Dictionary<NodeId, Reassembly> _partials = [];
    private readonly List<LogEntry> _broadcast = [];
    // Per sender, fragments that arrived ahead of their turn (bounded by the send window).
    private readonly Dictionary<NodeId, Dictionary<ulong, LogEntry>> _heldSubmits = [];
    private ulong _delivered;
    private ulong _nextSequence;
    private ulong _stable;
    private ulong _pruned;
    private ulong _highestKnown;
    private ulong _lastAckSent;

    private sealed class Reassembly
    {
        public ulong MessageNo;
        public ServiceId Service;
        public int NextIndex;
        public int Bytes;
        public List<byte[]> Parts { get; } = [];
    }

    /// <summary>
    /// Set by the shell while a local consumer cannot keep up: ordered messages are still received and kept (within
    /// the sequencer window) but not delivered, which applies flow control to every sender. Call
    /// <see cref="Flush"/> after clearing it.
    /// </summary>
    public bool DeliveryPaused { get; set; }

    /// <summary>True when this node is the installed view's sequencer.</summary>
    private bool IsSequencer => _view is not null && _view.Sequencer == Self.Node;

    /// <summary>The position of the last message delivered in the current view.</summary>
    public ulong DeliveredSequence => _delivered;

    private void ResetOrdering(View view)
    {
        _log.Clear();
        _partials.Clear();
        _broadcast.Clear();
        _heldSubmits.Clear();
        _memberAcks.Clear();
        _expectedSubmit.Clear();
        foreach (var m in view.Members)
        {
            _expectedSubmit[m.Node] = 1;
            _memberAcks[m.Node] = 0;
        }

        _delivered = 0;
        _nextSequence = 0;
        _stable = 0;
        _pruned = 0;
        _highestKnown = 0;
        _lastAckSent = 0;
        RequeueOwn();
    }

    private Dictionary<ulong, LogEntry> HeldFor(NodeId sender)
    {
        if (!_heldSubmits.TryGetValue(sender, out var held))
        {
            held = [];
            _heldSubmits[sender] = held;
        }

        return held;
    }

    /// <summary>Sequences held fragments of a sender that are now next in its submit order.</summary>
    private void SequenceHeld(NodeId sender)
    {
        if (!_heldSubmits.TryGetValue(sender, out var held) || held.Count == 0)
        {
            return;
        }

        while (_nextSequence - _stable < (ulong)_options.SequencerWindow &&
               held.Remove(_expectedSubmit[sender], out var next))
        {
            _expectedSubmit[sender] = next.Sequence + 1;
            Sequence(sender, next.MessageNo, next.Index, next.Count, next.Service, next.Payload);
        }

        // Anything left below the new expectation is stale.
        if (held.Count > 0)
        {
            foreach (ulong stale in held.Keys.Where(k => k < _expectedSubmit[sender]).ToList())
            {
                held.Remove(stale);
            }
        }
    }

    private void Sequence(NodeId sender, ulong messageNo, ushort index, ushort count, ServiceId service, byte[] payload)
    {
        var entry = new LogEntry(++_nextSequence, sender, messageNo, index, count, service, payload);
        _log[entry.Sequence] = entry;
        _broadcast.Add(entry);
        _highestKnown = _nextSequence;
        Counters.FragmentsSequenced++;
    }

    private bool OnData(PeerState peer, ref WireReader reader, byte version)
    {
        if (!DataHeader.TryRead(ref reader, out var header))
        {
            return false;
        }

        bool accept = _view is not null && header.View == _view.Id && IsSequencer && _state == NodeState.Operational &&
            _view.TryGetMember(peer.Node, out var member) && member.Incarnation == peer.Incarnation;
        if (!accept)
        {
            Counters.WrongView++;
        }

        for (int i = 0; i < header.Count; i++)
        {
            if (!Fragment.TryRead(ref reader, version, out var fragment) || fragment.Sender != peer.Node)
            {
                return false;
            }

            if (!accept || fragment.Payload.Length > _options.ReceivedFragmentLimit)
            {
                continue;
            }

            ulong expected = _expectedSubmit[peer.Node];
            if (fragment.Sequence < expected || fragment.Sequence >= expected + (ulong)_options.SendWindow)
            {
                // Duplicates and fragments beyond the sender's window are dropped; the sender resubmits.
                Counters.DataOutOfOrder++;
                continue;
            }

            if (fragment.Sequence > expected)
            {
                // Arrived ahead of an earlier one (reordering): hold it until the gap fills.
                var held = HeldFor(peer.Node);
                held.TryAdd(fragment.Sequence, new LogEntry(fragment.Sequence, peer.Node, fragment.MessageNo, fragment.Index,
                    fragment.Count, fragment.Service, fragment.Payload.ToArray()));
                continue;
            }

            if (_nextSequence - _stable >= (ulong)_options.SequencerWindow)
            {
                Counters.DataWindowFull++;
                continue;
            }

            _expectedSubmit[peer.Node] = expected + 1;
            Sequence(peer.Node, fragment.MessageNo, fragment.Index, fragment.Count, fragment.Service, fragment.Payload.ToArray());
            SequenceHeld(peer.Node);
        }

        return reader.Remaining == 0;
    }

    /// <summary>Sends newly sequenced fragments to every other member, packed into datagrams; one buffer for all.</summary>
    private void FlushBroadcast(Outbox outbox)
    {
        if (_broadcast.Count == 0 || _view is null)
        {
            return;
        }

        int budget = _options.MaxDatagramSize - WireProtocol.HeaderSize - OrderedHeader.Size;
        int start = 0;
        while (start < _broadcast.Count)
        {
            int size = 0;
            int end = start;
            while (end < _broadcast.Count && (end == start || size + _broadcast[end].EncodedSize <= budget) &&
                   end - start < ushort.MaxValue)
            {
                size += _broadcast[end].EncodedSize;
                end++;
            }

            var buffer = EncodeOrdered(_broadcast, start, end, size, out int length);
            foreach (var m in _view.Members)
            {
                if (m.Node != Self.Node)
                {
                    Send(m.Node, buffer, length, outbox);
                }
            }

            start = end;
        }

        _broadcast.Clear();
    }

    private byte[] EncodeOrdered(List<LogEntry> entries, int start, int end, int size, out int length)
    {
        // Begin stamps the view's wire version on the header; the fragments are laid out for that version.
        byte version = _view!.ProtocolVersion;
        var w = Begin(PacketType.Ordered, OrderedHeader.Size + size, out byte[] buffer);
        new OrderedHeader(_view!.Id, IsSequencer ? _stable : 0, IsSequencer ? _nextSequence : _highestKnown,
            (ushort)(end - start)).Write(ref w);
        for (int i = start; i < end; i++)
        {
            var e = entries[i];
            new Fragment(e.Sequence, e.Sender, e.MessageNo, e.Index, e.Count, e.Service, e.Payload).Write(ref w, version);
        }

        length = w.Position;
        return buffer;
    }

    private bool OnOrdered(PeerState peer, ref WireReader reader, byte version, Instant now, Outbox outbox)
    {
        if (!OrderedHeader.TryRead(ref reader, out var header))
        {
            return false;
        }

        bool accept = _view is not null && header.View == _view.Id && _view.Contains(peer.Node);
        if (!accept)
        {
            Counters.WrongView++;
            return true;
        }

        ulong window = _delivered + (ulong)_options.SequencerWindow;
        ulong limit = _state == NodeState.Flushing && _cutoff is not null ? _cutoff.Value : window;
        for (int i = 0; i < header.Count; i++)
        {
            if (!Fragment.TryRead(ref reader, version, out var fragment))
            {
                return false;
            }

            ulong seq = fragment.Sequence;
            if (seq == 0 || seq <= _delivered || seq > limit || seq > window || _log.ContainsKey(seq) ||
                !_view!.Contains(fragment.Sender) || fragment.Payload.Length > _options.ReceivedFragmentLimit)
            {
                continue;
            }

            _log[seq] = new LogEntry(seq, fragment.Sender, fragment.MessageNo, fragment.Index, fragment.Count,
                fragment.Service, fragment.Payload.ToArray());
            if (fragment.Sender == Self.Node)
            {
                MarkSequenced(fragment.MessageNo, fragment.Index, now);
            }

            _highestKnown = Math.Max(_highestKnown, seq);
        }

        if (peer.Node == _view!.Sequencer)
        {
            NoteHighest(header.Highest, header.Stable);
        }

        DeliverReady(now, outbox);
        return reader.Remaining == 0;
    }

    private void NoteHighest(ulong highest, ulong stable)
    {
        if (highest <= _delivered + (ulong)_options.SequencerWindow)
        {
            _highestKnown = Math.Max(_highestKnown, highest);
        }

        if (!IsSequencer)
        {
            _stable = Math.Max(_stable, Math.Min(stable, _delivered));
        }
    }

    /// <summary>Delivers stored fragments in sequence order, as far as allowed (a frozen view stops at its cut-off).</summary>
    private void DeliverReady(Instant now, Outbox outbox)
    {
        if (_view is null)
        {
            return;
        }

        ulong limit = _state switch
        {
            // A paused node (a local reader is behind) stops delivering and so stops acknowledging: the sequencer's
            // window fills and every sender slows down. Never during a view change, which must complete.
            NodeState.Operational when DeliveryPaused => _delivered,
            NodeState.Operational => ulong.MaxValue,
            NodeState.Flushing => _cutoff ?? _delivered,
            _ => _delivered,
        };

        while (_delivered < limit && _log.TryGetValue(_delivered + 1, out var entry))
        {
            _delivered++;
            DeliverEntry(entry, now, outbox);
        }

        if (IsSequencer)
        {
            RecomputeStable();
        }

        Prune();
        if (_state == NodeState.Flushing)
        {
            CheckSyncDone(now, outbox);
        }
    }

    private void DeliverEntry(LogEntry entry, Instant now, Outbox outbox)
    {
        if (entry.Sender == Self.Node && entry.Index + 1 == entry.Count)
        {
            MarkSequenced(entry.MessageNo, entry.Index, now);
        }

        byte[]? whole = null;
        if (entry.Count == 1)
        {
            whole = entry.Payload;
            _partials.Remove(entry.Sender);
        }
        else
        {
            if (entry.Index == 0)
            {
                _partials[entry.Sender] = new Reassembly { MessageNo = entry.MessageNo, Service = entry.Service };
            }

            if (!_partials.TryGetValue(entry.Sender, out var partial) || partial.MessageNo != entry.MessageNo ||
                partial.NextIndex != entry.Index || partial.Service != entry.Service || partial.Bytes + entry.Payload.Length > _options.MaxMessageSize)
            {
                // Every node sees the same sequence, so every node drops the same broken message.
                Counters.Reassembly++;
                _partials.Remove(entry.Sender);
                EmitLimited(outbox, now, "reassembly", LogLevel.Warning,
                    $"dropped fragment {entry.Index}/{entry.Count} of message {entry.MessageNo} from node {entry.Sender}: out of order");
                return;
            }

            partial.Parts.Add(entry.Payload);
            partial.Bytes += entry.Payload.Length;
            partial.NextIndex++;
            if (partial.NextIndex < entry.Count)
            {
                return;
            }

            whole = new byte[partial.Bytes];
            int at = 0;
            foreach (var part in partial.Parts)
            {
                part.CopyTo(whole, at);
                at += part.Length;
            }

            _partials.Remove(entry.Sender);
        }

        _view!.TryGetMember(entry.Sender, out var sender);
        Counters.MessagesDelivered++;
        Counters.BytesDelivered += whole.Length;
        outbox.Events.Add(MembershipEvent.Delivered(sender, entry.MessageNo, entry.Service, whole));
        if (entry.Sender == Self.Node)
        {
            CompleteOwn(entry.MessageNo, outbox);
        }
    }

    /// <summary>
    /// The highest position p such that every fragment 1..p of the current view has been delivered here or is held
    /// here. For the sequencer that is everything it has sequenced.
    /// </summary>
    private ulong HeldPosition()
    {
        if (IsSequencer)
        {
            return _nextSequence;
        }

        ulong held = _delivered;
        while (_log.ContainsKey(held + 1))
        {
            held++;
        }

        return held;
    }

    private bool OnAck(PeerState peer, ref WireReader reader)
    {
        if (!Ack.TryRead(ref reader, out var ack))
        {
            return false;
        }

        if (_view is not null && ack.View == _view.Id && IsSequencer)
        {
            RecordAck(peer.Node, ack.Sequence);
        }

        return true;
    }

    private void RecordAck(NodeId node, ulong sequence)
    {
        if (_memberAcks.TryGetValue(node, out ulong old) && sequence > old && sequence <= _nextSequence)
        {
            _memberAcks[node] = sequence;
            RecomputeStable();
        }
    }

    private void RecomputeStable()
    {
        ulong stable = _delivered;
        foreach (var (node, ack) in _memberAcks)
        {
            if (node != Self.Node)
            {
                stable = Math.Min(stable, ack);
            }
        }

        _stable = Math.Max(_stable, stable);
    }

    /// <summary>Drops entries every member has: nobody can need them again.</summary>
    private void Prune()
    {
        ulong upTo = Math.Min(_stable, _delivered);
        while (_pruned < upTo)
        {
            _pruned++;
            _log.Remove(_pruned);
        }
    }

    private void MaybeAck(Outbox outbox)
    {
        if (_view is null || IsSequencer || _delivered < _lastAckSent + (ulong)Math.Max(1, _options.SendWindow / 2))
        {
            return;
        }

        SendAck(outbox);
    }

    private void SendAck(Outbox outbox)
    {
        _lastAckSent = _delivered;
        var w = Begin(PacketType.Ack, Ack.Size, out byte[] buffer);
        new Ack(_view!.Id, _delivered).Write(ref w);
        Send(_view.Sequencer, buffer, w.Position, outbox);
    }

    private bool OnNack(PeerState peer, ref WireReader reader, Outbox outbox)
    {
        if (!Nack.TryRead(ref reader, out var nack))
        {
            return false;
        }

        if (_view is null || nack.View != _view.Id || !_view.Contains(peer.Node))
        {
            return true;
        }

        var entries = new List<LogEntry>();
        ulong to = Math.Min(nack.To, nack.From + MaxRetransmitPerNack - 1);
        for (ulong seq = nack.From; seq <= to; seq++)
        {
            if (_log.TryGetValue(seq, out var entry))
            {
                entries.Add(entry);
            }
        }

        int budget = _options.MaxDatagramSize - WireProtocol.HeaderSize - OrderedHeader.Size;
        int start = 0;
        while (start < entries.Count)
        {
            int size = 0;
            int end = start;
            while (end < entries.Count && (end == start || size + entries[end].EncodedSize <= budget))
            {
                size += entries[end].EncodedSize;
                end++;
            }

            var buffer = EncodeOrdered(entries, start, end, size, out int length);
            Send(peer.Node, buffer, length, outbox);
            Counters.OrderedRetransmits += end - start;
            start = end;
        }

        return true;
    }

    /// <summary>Asks for the first gap: from the sequencer normally, from the holder while catching up to a cut-off.</summary>
    private void RequestMissing(Outbox outbox)
    {
        if (_view is null)
        {
            return;
        }

        bool syncing = _state == NodeState.Flushing && _cutoff is not null;
        ulong to = syncing ? _cutoff!.Value : _highestKnown;
        NodeId target = syncing ? _cutHolder : _view.Sequencer;
        ulong from = _delivered + 1;
        if (to < from || target == Self.Node)
        {
            return;
        }

        to = Math.Min(to, from + MaxNackSpan - 1);
        Counters.NacksSent++;
        var w = Begin(PacketType.Nack, Nack.Size, out byte[] buffer);
        new Nack(_view.Id, from, to).Write(ref w);
        Send(target, buffer, w.Position, outbox);
    }

    private void RetransmitTick(Instant now, Outbox outbox)
    {
        RetransmitData(now, outbox);
        if (_state == NodeState.Operational && _highestKnown > _delivered)
        {
            RequestMissing(outbox);
        }

        if (_view is not null && !IsSequencer && _delivered > _lastAckSent)
        {
            SendAck(outbox);
        }
    }

    private bool HasRetransmitWork() =>
        _inflight.Count > 0 || _highestKnown > _delivered || HasViewChangeWork() ||
        (_view is not null && !IsSequencer && _delivered > _lastAckSent);
}
