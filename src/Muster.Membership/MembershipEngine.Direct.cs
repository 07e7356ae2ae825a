using Muster.Core;
using Muster.Wire;
using Muster.Wire.Messages;

namespace Muster.Membership;

/// <summary>Outcome of <see cref="MembershipEngine.SendDirect"/>.</summary>
public enum DirectResult
{
    /// <summary>Queued; it leaves at the next flush. It may still be lost, like any datagram.</summary>
    Queued = 1,
    /// <summary>Too many point-to-point messages are queued already (<see cref="MembershipOptions.MaxQueuedDirect"/>).</summary>
    TryAgain = 2,
    /// <summary>Larger than one datagram can carry (<see cref="MembershipEngine.MaxDirectPayload"/>).</summary>
    TooBig = 3,
    /// <summary>This node is not operational in a view (joining, changing views, or left).</summary>
    NotRunning = 4,
    /// <summary>The view's wire version has no point-to-point messages (a member speaks only version 2).</summary>
    NotSupported = 5,
    /// <summary>The destination is not a member of the current view.</summary>
    NotMember = 6,
}

// Point-to-point service messages (wire version 3): one datagram from one member to another member of the same
// view, outside the total order. Best effort and at most once: a datagram lost is a message lost, and a message of
// an earlier view is dropped. Services that need more (the lock manager's requests to a master) retry on their own
// timer and make their requests idempotent; the view change, which every service sees, is the point where an
// answer can no longer come.
public sealed partial class MembershipEngine
{
    private readonly List<(NodeId Destination, ServiceId Service, byte[] Payload)> _directs = [];

    /// <summary>Largest payload one point-to-point message carries at this node's datagram size.</summary>
    public int MaxDirectPayload => _options.MaxDatagramSize - WireProtocol.HeaderSize - DirectHeader.Size;

    /// <summary>True when the current view carries point-to-point messages (every member speaks version 3).</summary>
    public bool CanSendDirect =>
        _state == NodeState.Operational && _view is not null && _view.ProtocolVersion >= WireProtocol.ServiceVersion;

    /// <summary>Queues a point-to-point message of <paramref name="service"/> to a member of the current view.</summary>
    /// <param name="destination">A member of the current view; this node itself is allowed (delivered locally).</param>
    /// <param name="service">The service it belongs to; the receiver hands it to its service of that id.</param>
    /// <param name="payload">The message; copied.</param>
    public DirectResult SendDirect(NodeId destination, ServiceId service, ReadOnlySpan<byte> payload)
    {
        if (!service.IsValid)
        {
            throw new ArgumentException("service id 0 is not a service", nameof(service));
        }

        if (_state != NodeState.Operational || _view is null)
        {
            return DirectResult.NotRunning;
        }

        if (_view.ProtocolVersion < WireProtocol.ServiceVersion)
        {
            return DirectResult.NotSupported;
        }

        if (!_view.Contains(destination))
        {
            return DirectResult.NotMember;
        }

        if (payload.Length > MaxDirectPayload)
        {
            return DirectResult.TooBig;
        }

        if (_directs.Count >= _options.MaxQueuedDirect)
        {
            Counters.DirectRejected++;
            return DirectResult.TryAgain;
        }

        _directs.Add((destination, service, payload.ToArray()));
        Submissions++;
        return DirectResult.Queued;
    }

    /// <summary>Sends the queued point-to-point messages (from <see cref="Pump"/>), still in the view they were queued in.</summary>
    private void SendDirects(Outbox outbox)
    {
        if (_directs.Count == 0)
        {
            return;
        }

        // A view change between queueing and flushing makes them stale: the view they were meant for has ended.
        if (!CanSendDirect)
        {
            Counters.DirectDropped += _directs.Count;
            _directs.Clear();
            return;
        }

        var view = _view!;
        foreach (var (destination, service, payload) in _directs)
        {
            if (!view.TryGetMember(destination, out var member))
            {
                Counters.DirectDropped++;
                continue;
            }

            Counters.DirectSent++;
            if (destination == Self.Node)
            {
                outbox.Events.Add(MembershipEvent.Direct(Self, service, payload));
                continue;
            }

            var w = Begin(PacketType.Service, DirectHeader.Size + payload.Length, out byte[] buffer);
            new DirectHeader(view.Id, service).Write(ref w);
            w.WriteBytes(payload);
            Send(member.Node, buffer, w.Position, outbox);
        }

        _directs.Clear();
    }

    private bool OnDirect(PeerState peer, ref WireReader reader, byte version, Outbox outbox)
    {
        if (version < WireProtocol.ServiceVersion || !DirectHeader.TryRead(ref reader, out var header))
        {
            return false;
        }

        if (_view is null || header.View != _view.Id || !_view.TryGetMember(peer.Node, out var sender) ||
            sender.Incarnation != peer.Incarnation)
        {
            Counters.WrongView++;
            return true;
        }

        reader.TryReadBytes(reader.Remaining, out var payload);
        Counters.DirectReceived++;
        outbox.Events.Add(MembershipEvent.Direct(sender, header.Service, payload.ToArray()));
        return true;
    }
}
