using Muster.Core;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Membership;

/// <summary>Outcome of <see cref="MembershipEngine.Submit"/>.</summary>
public enum SubmitResult
{
    /// <summary>Queued; it will be delivered to every member, this node included, in the total order.</summary>
    Accepted = 1,
    /// <summary>Flow control: too much is queued already. Try again once <see cref="MembershipEngine.CanSubmit"/> says so.</summary>
    TryAgain = 2,
    /// <summary>Larger than the configured maximum message size.</summary>
    TooBig = 3,
    /// <summary>The node has left the cluster.</summary>
    NotRunning = 4,
    /// <summary>
    /// The current view's wire version cannot carry this service's messages (a member speaks only version 2, which
    /// carries the group layer alone). Try again after a view change.
    /// </summary>
    NotSupported = 5,
}

// Local senders: messages are split into fragments, submitted to the sequencer within a window, and count as sent
// when they come back to this node in the total order. At a view change, undelivered messages are resubmitted whole
// in the next view when the old sequencer came along (it froze with everything it ordered inside the cut-off, so
// they were never ordered); otherwise those handed to it get an "outcome unknown" instead (docs/protocol.md §6).
public sealed partial class MembershipEngine
{
    private readonly LinkedList<OutgoingMessage> _sendQueue = new();
    private readonly Queue<(ulong SubmitSeq, OutgoingMessage Message, ushort Index)> _inflight = new();
    private LinkedListNode<OutgoingMessage>? _submitNode;
    private ushort _submitFragment;
    private ulong _submitSequence;
    private ulong _nextMessageNo = 1;
    private long _pendingBytes;
    private Instant _lastDataProgress;

    /// <summary>The payloads queued here and not yet delivered back, in queue order (for tests).</summary>
    internal IEnumerable<byte[]> QueuedPayloads(bool control) => _sendQueue.Where(m => m.Control == control).Select(m => m.Payload);

    /// <summary>Bytes of local messages not yet delivered back to this node.</summary>
    public long PendingBytes => _pendingBytes;

    /// <summary>True when a message of <paramref name="size"/> bytes would be accepted now.</summary>
    public bool CanSubmit(int size) =>
        _state != NodeState.Left && (_pendingBytes == 0 || _pendingBytes + size <= _options.MaxPendingBytes);

    /// <summary>Queues a message for ordered delivery to every member of the view.</summary>
    /// <param name="payload">The message; copied.</param>
    /// <param name="control">
    /// A view-scoped control message: it goes before every queued message not yet started in this view, is delivered
    /// with message number 0, and is dropped (not resubmitted) if the view ends first. The process-group layer sends
    /// its per-view sync this way, right after a view change.
    /// </param>
    /// <param name="force">Skip flow control (bounded control-plane messages such as "this process died").</param>
    public SubmitResult Submit(ReadOnlySpan<byte> payload, bool control = false, bool force = false) =>
        Submit(ServiceId.Groups, payload, control, force);

    /// <summary>Queues a message of <paramref name="service"/> for ordered delivery to every member of the view.</summary>
    /// <param name="service">The service it belongs to: delivered with this id, on every member.</param>
    /// <param name="payload">The message; copied.</param>
    /// <param name="control">See <see cref="Submit(ReadOnlySpan{byte}, bool, bool)"/>.</param>
    /// <param name="force">Skip flow control.</param>
    public SubmitResult Submit(ServiceId service, ReadOnlySpan<byte> payload, bool control = false, bool force = false)
    {
        if (_state == NodeState.Left)
        {
            return SubmitResult.NotRunning;
        }

        if (!service.IsValid)
        {
            throw new ArgumentException("service id 0 is not a service", nameof(service));
        }

        if (!Carries(_view, service))
        {
            Counters.SubmitsRejected++;
            return SubmitResult.NotSupported;
        }

        if (payload.Length > _options.MaxMessageSize)
        {
            Counters.SubmitsRejected++;
            return SubmitResult.TooBig;
        }

        if (!control && !force && !CanSubmit(payload.Length))
        {
            Counters.SubmitsRejected++;
            return SubmitResult.TryAgain;
        }

        var message = new OutgoingMessage(service, payload.ToArray(), _options.FragmentPayloadSize, control);
        _pendingBytes += payload.Length;
        if (control && _submitNode is not null && _submitFragment == 0)
        {
            _submitNode = _sendQueue.AddBefore(_submitNode, message);
        }
        else if (control && _submitNode is not null)
        {
            _sendQueue.AddAfter(_submitNode, message);
        }
        else
        {
            var node = _sendQueue.AddLast(message);
            if (_submitNode is null)
            {
                _submitNode = node;
                _submitFragment = 0;
            }
        }

        Submissions++;
        return SubmitResult.Accepted;
    }

    /// <summary>
    /// Messages accepted by <see cref="Submit"/> since the engine was made. The composed node's loop bound counts only
    /// rounds in which its services submitted, not rounds that drain a backlog submitted earlier.
    /// </summary>
    internal long Submissions { get; private set; }

    /// <summary>
    /// True when a view of <paramref name="view"/>'s wire version carries messages of <paramref name="service"/>:
    /// version 2 carries only the group layer's. Before the first view anything may queue; what the first view cannot
    /// carry is handed back at its install.
    /// </summary>
    private static bool Carries(View? view, ServiceId service) =>
        service == ServiceId.Groups || view is null || view.ProtocolVersion >= WireProtocol.ServiceVersion;

    /// <summary>True when the current view carries messages of <paramref name="service"/> (see <see cref="SubmitResult.NotSupported"/>).</summary>
    public bool CanCarry(ServiceId service) => Carries(_view, service);

    /// <summary>Submits queued fragments within the windows and sends what the sequencer has ordered.</summary>
    private void Pump(Instant now, Outbox outbox)
    {
        if (_state == NodeState.Operational && _view is not null)
        {
            if (IsSequencer)
            {
                while (_submitNode is not null && _nextSequence - _stable < (ulong)_options.SequencerWindow)
                {
                    var message = _submitNode.Value;
                    ushort index = _submitFragment;
                    AdvanceSubmitCursor();
                    // The cursor numbered the message if this was its first fragment.
                    Sequence(Self.Node, message.MessageNo, index, message.FragmentCount, message.Service,
                        message.Fragment(index, _options.FragmentPayloadSize).ToArray());
                }
            }
            else if (_submitNode is not null && _inflight.Count < _options.SendWindow)
            {
                int firstNew = _inflight.Count;
                while (_submitNode is not null && _inflight.Count < _options.SendWindow)
                {
                    var message = _submitNode.Value;
                    ushort index = _submitFragment;
                    AdvanceSubmitCursor();
                    _inflight.Enqueue((++_submitSequence, message, index));
                }

                if (_inflight.Count - firstNew > 0 && firstNew == 0)
                {
                    _lastDataProgress = now;
                }

                SendData(firstNew, outbox);
            }
        }

        FlushBroadcast(outbox);
        SendDirects(outbox);
        DeliverReady(now, outbox);
        MaybeAck(outbox);
    }

    private void AdvanceSubmitCursor()
    {
        if (_submitNode is null)
        {
            return;
        }

        if (_submitNode.Value.MessageNo == 0 && !_submitNode.Value.Control)
        {
            _submitNode.Value.MessageNo = _nextMessageNo++;
        }

        _submitNode.Value.SubmittedIn = _view!.Id;

        _submitFragment++;
        if (_submitFragment >= _submitNode.Value.FragmentCount)
        {
            _submitNode = _submitNode.Next;
            _submitFragment = 0;
        }
    }

    /// <summary>Sends in-flight fragments from position <paramref name="skip"/> on to the sequencer, packed into datagrams.</summary>
    private void SendData(int skip, Outbox outbox)
    {
        if (_view is null || _inflight.Count <= skip)
        {
            return;
        }

        int fragmentSize = _options.FragmentPayloadSize;
        int budget = _options.MaxDatagramSize - WireProtocol.HeaderSize - DataHeader.Size;
        var batch = new List<(ulong SubmitSeq, OutgoingMessage Message, ushort Index)>();
        int size = 0;
        foreach (var item in _inflight.Skip(skip))
        {
            int fragSize = Fragment.Overhead + item.Message.Fragment(item.Index, fragmentSize).Length;
            if (batch.Count > 0 && (size + fragSize > budget || batch.Count == ushort.MaxValue))
            {
                SendDataBatch(batch, size, outbox);
                batch.Clear();
                size = 0;
            }

            batch.Add(item);
            size += fragSize;
        }

        if (batch.Count > 0)
        {
            SendDataBatch(batch, size, outbox);
        }
    }

    private void SendDataBatch(List<(ulong SubmitSeq, OutgoingMessage Message, ushort Index)> batch, int size, Outbox outbox)
    {
        var view = _view!;
        // Begin stamps the view's wire version on the header; the fragments are laid out for that version.
        var w = Begin(PacketType.Data, DataHeader.Size + size, out byte[] buffer);
        new DataHeader(view.Id, (ushort)batch.Count).Write(ref w);
        foreach (var (submitSeq, message, index) in batch)
        {
            new Fragment(submitSeq, Self.Node, message.MessageNo, index, message.FragmentCount, message.Service,
                message.Fragment(index, _options.FragmentPayloadSize)).Write(ref w, view.ProtocolVersion);
        }

        Send(view.Sequencer, buffer, w.Position, outbox);
    }

    /// <summary>Our fragment came back ordered: it and every fragment submitted before it are sequenced.</summary>
    private void MarkSequenced(ulong messageNo, ushort index, Instant now)
    {
        bool found = false;
        foreach (var (_, m, i) in _inflight)
        {
            if (m.MessageNo == messageNo && i == index)
            {
                found = true;
                break;
            }
        }

        if (!found)
        {
            // Already accounted for (seen earlier, or a duplicate): popping now would drop unsequenced fragments.
            return;
        }

        while (_inflight.Count > 0)
        {
            var (_, message, i) = _inflight.Dequeue();
            _lastDataProgress = now;
            if (message.MessageNo == messageNo && i == index)
            {
                break;
            }
        }
    }

    /// <summary>Our own message was delivered back to us: it is sent.</summary>
    private void CompleteOwn(ulong messageNo, Outbox outbox)
    {
        var node = _sendQueue.First;
        while (node is not null && (node.Value.MessageNo != messageNo || (messageNo == 0 && !node.Value.Control)))
        {
            node = node.Next;
        }

        if (node is null)
        {
            Emit(outbox, Core.Diagnostics.LogLevel.Error, $"delivered own message {messageNo} that is not queued");
            return;
        }

        if (node != _sendQueue.First)
        {
            Emit(outbox, Core.Diagnostics.LogLevel.Error, $"own message {messageNo} delivered out of submit order");
        }

        if (_submitNode == node)
        {
            _submitNode = node.Next;
            _submitFragment = 0;
        }

        _pendingBytes -= node.Value.Payload.Length;
        _sendQueue.Remove(node);
    }

    /// <summary>Resends in-flight fragments the sequencer has not ordered within the retransmit interval.</summary>
    private void RetransmitData(Instant now, Outbox outbox)
    {
        if (_inflight.Count == 0 || _state != NodeState.Operational || IsSequencer ||
            now - _lastDataProgress < _options.RetransmitInterval)
        {
            return;
        }

        Counters.DataRetransmits += _inflight.Count;
        _lastDataProgress = now;
        SendData(0, outbox);
    }

    /// <summary>
    /// At a view install, when the old view's sequencer did not move into the new view with us: our messages that we
    /// handed to it in the old view and have not had back may have been ordered and delivered on its side, at a place
    /// in the order this side never learned. They are given up with an explicit "outcome unknown" and never
    /// resubmitted. If any was, the messages queued after them are handed back too ("returned", never ordered
    /// anywhere), so that the layer above can submit again, in the original order, whatever it still wants sent:
    /// keeping them queued would let them overtake a repeat of an earlier one.
    /// </summary>
    private void GiveUpSubmittedIn(ViewId oldView, Outbox outbox)
    {
        bool gaveUp = false;
        for (var node = _sendQueue.First; node is not null;)
        {
            var next = node.Next;
            var message = node.Value;
            if (!message.Control && (gaveUp || message.SubmittedIn == oldView))
            {
                bool unknown = message.SubmittedIn == oldView;
                gaveUp |= unknown;
                _sendQueue.Remove(node);
                _pendingBytes -= message.Payload.Length;
                if (unknown)
                {
                    Counters.OutcomeUnknown++;
                    outbox.Events.Add(MembershipEvent.Unknown(Self, message.MessageNo, message.Service, message.Payload));
                }
                else
                {
                    Counters.Returned++;
                    outbox.Events.Add(MembershipEvent.Returned(Self, message.Service, message.Payload));
                }
            }

            node = next;
        }

        if (_submitNode is not null && _submitNode.List is null)
        {
            _submitNode = _sendQueue.First;
            _submitFragment = 0;
        }
    }

    /// <summary>
    /// At the install of a view whose wire version cannot carry some queued messages (a version-2 node joined): they
    /// are handed back unsent, in order, so their service can decide. Nothing of another service is queued between
    /// them and the group layer's messages that stay, so each service's own order is kept.
    /// </summary>
    private void ReturnUncarried(View view, Outbox outbox)
    {
        for (var node = _sendQueue.First; node is not null;)
        {
            var next = node.Next;
            var message = node.Value;
            if (!Carries(view, message.Service))
            {
                _sendQueue.Remove(node);
                _pendingBytes -= message.Payload.Length;
                if (!message.Control)
                {
                    Counters.Returned++;
                    outbox.Events.Add(MembershipEvent.Returned(Self, message.Service, message.Payload));
                }
            }

            node = next;
        }

        if (_submitNode is not null && _submitNode.List is null)
        {
            _submitNode = _sendQueue.First;
            _submitFragment = 0;
        }
    }

    /// <summary>At a view install: everything not yet delivered back to us is submitted again, whole, in the new view.</summary>
    private void RequeueOwn()
    {
        DropControlMessages();
        _inflight.Clear();
        _submitSequence = 0;
        _submitNode = _sendQueue.First;
        _submitFragment = 0;
    }

    /// <summary>A view's control messages die with it: drop those not yet delivered.</summary>
    private void DropControlMessages()
    {
        for (var node = _sendQueue.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Control)
            {
                // A control message belongs to the view it was sent in.
                _pendingBytes -= node.Value.Payload.Length;
                _sendQueue.Remove(node);
            }

            node = next;
        }

        if (_submitNode is not null && _submitNode.List is null)
        {
            _submitNode = _sendQueue.First;
            _submitFragment = 0;
        }
    }
}
