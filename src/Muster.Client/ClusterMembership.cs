using System.Runtime.CompilerServices;
using Muster.Client.Wire;
using Muster.Core;
using Muster.Ipc.Contracts;
using ClusterView = Muster.Client.ClusterView;
using MemberInfo = Muster.Client.MemberInfo;
using MembershipChange = Muster.Client.MembershipChange;
using MemberState = Muster.Client.MemberState;
using TrackFlags = Muster.Client.TrackFlags;

namespace Muster.Client;

/// <summary>Cluster membership, with the semantics of the SA Forum AIS Cluster Membership Service (CLM).</summary>
/// <remarks>
/// <list type="table">
/// <item><term><see cref="GetCurrentViewAsync"/></term><description><c>saClmClusterTrack(SA_TRACK_CURRENT)</c> with a notification buffer (synchronous answer).</description></item>
/// <item><term><see cref="TrackAsync"/></term><description><c>saClmClusterTrack(flags)</c> plus the <c>saClmClusterTrackCallback</c> invocations, as an async stream; ending the enumeration is <c>saClmClusterTrackStop</c>.</description></item>
/// </list>
/// Node changes use AIS <c>SaClmClusterChangesT</c> numbering (<see cref="MembershipChange"/>); view ids play the
/// role of AIS <c>viewNumber</c>.
/// </remarks>
public sealed class ClusterMembership
{
    private readonly MusterClient _client;
    // The client always asks for full changes and derives ChangesOnly itself, so one daemon subscription serves every
    // stream of this client.
    private readonly EventSubscription<MembershipChangedEvent> _changes;

    internal ClusterMembership(MusterClient client)
    {
        _client = client;
        _changes = new(client, new TrackMembershipRequest(Muster.Ipc.Contracts.TrackFlags.Changes), StopTrackMembershipRequest.Instance);
    }

    /// <summary>Reads the installed view and its members.</summary>
    /// <remarks><c>saClmClusterTrack(handle, SA_TRACK_CURRENT, buffer)</c>: answered directly, no callback.</remarks>
    public async Task<ClusterView> GetCurrentViewAsync(CancellationToken cancellationToken = default)
    {
        var response = await _client.RequestAsync<MembersResponse>(GetMembersRequest.Instance, cancellationToken).ConfigureAwait(false);
        return FromWire.View(response.View);
    }

    /// <summary>Streams membership notifications.</summary>
    /// <remarks>
    /// <para><c>saClmClusterTrack(handle, flags, NULL)</c> and its callbacks:</para>
    /// <list type="bullet">
    /// <item><see cref="TrackFlags.Current"/> alone: one notification with the current members (each
    /// <see cref="MembershipChange.NoChange"/>), then the stream ends.</item>
    /// <item><see cref="TrackFlags.Changes"/>: on every view change, all current members plus the nodes that left, each
    /// with its change.</item>
    /// <item><see cref="TrackFlags.ChangesOnly"/>: on every view change, only the nodes that changed.</item>
    /// <item>With <see cref="TrackFlags.Current"/> as well, the stream starts with the current membership.</item>
    /// </list>
    /// <para>The stream runs until the enumeration ends (<c>saClmClusterTrackStop</c>), the token is cancelled, or the
    /// client is disposed (the stream then ends normally). If the connection is lost it throws
    /// <see cref="MusterNotConnectedException"/>.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">No flag, an unknown flag, or both Changes and ChangesOnly.</exception>
    public IAsyncEnumerable<ClusterMembershipNotification> TrackAsync(TrackFlags flags, CancellationToken cancellationToken = default)
    {
        if (flags == TrackFlags.None || (flags & ~(TrackFlags.Current | TrackFlags.Changes | TrackFlags.ChangesOnly)) != 0)
        {
            throw new ArgumentException($"invalid track flags {flags}", nameof(flags));
        }

        if ((flags & TrackFlags.Changes) != 0 && (flags & TrackFlags.ChangesOnly) != 0)
        {
            throw new ArgumentException("TrackFlags.Changes and TrackFlags.ChangesOnly are mutually exclusive", nameof(flags));
        }

        return flags == TrackFlags.Current ? CurrentOnceAsync(cancellationToken) : TrackCoreAsync(flags, cancellationToken);
    }

    private async IAsyncEnumerable<ClusterMembershipNotification> CurrentOnceAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var view = await GetCurrentViewAsync(cancellationToken).ConfigureAwait(false);
        yield return CurrentNotification(view);
    }

    private async IAsyncEnumerable<ClusterMembershipNotification> TrackCoreAsync(
        TrackFlags flags, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = await _changes.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var after = ViewId.None;
            if ((flags & TrackFlags.Current) != 0)
            {
                // Subscribed first, so no change can slip between this snapshot and the stream; changes for views
                // not newer than the snapshot are skipped below.
                var view = await GetCurrentViewAsync(cancellationToken).ConfigureAwait(false);
                after = view.ViewId;
                yield return CurrentNotification(view);
            }

            await foreach (var changed in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!after.IsNone && changed.View.ViewId <= after)
                {
                    continue;
                }

                yield return (flags & TrackFlags.ChangesOnly) != 0 ? ChangesOnly(changed) : AllChanges(changed);
            }
        }
        finally
        {
            await _changes.CloseAsync(channel).ConfigureAwait(false);
        }
    }

    internal ValueTask DeliverAsync(MembershipChangedEvent changed, CancellationToken cancellationToken) => _changes.DeliverAsync(changed, cancellationToken);

    internal void CompleteAll(Exception? failure) => _changes.CompleteAll(failure);

    private static ClusterMembershipNotification CurrentNotification(ClusterView view) =>
        new(view, [.. view.Members.Select(m => new ClusterMemberChange(m, MembershipChange.NoChange, string.Empty))]);

    private static ClusterMembershipNotification AllChanges(MembershipChangedEvent changed)
    {
        var view = FromWire.View(changed.View);
        var items = new List<ClusterMemberChange>(view.Members.Count + changed.Changes.Count);
        var byMember = new Dictionary<(NodeId, ulong), MemberChange>();
        foreach (var c in changed.Changes)
        {
            byMember[(c.NodeId, c.Incarnation)] = c;
        }

        foreach (var member in view.Members)
        {
            if (byMember.Remove((member.NodeId, member.Incarnation), out var change))
            {
                items.Add(new ClusterMemberChange(member, FromWire.Change(change.Change), change.Reason));
            }
            else
            {
                items.Add(new ClusterMemberChange(member, MembershipChange.NoChange, string.Empty));
            }
        }

        // What is left are nodes no longer in the view: the ones that left or failed.
        foreach (var c in changed.Changes)
        {
            if (byMember.ContainsKey((c.NodeId, c.Incarnation)))
            {
                items.Add(new ClusterMemberChange(Departed(c), FromWire.Change(c.Change), c.Reason));
            }
        }

        return new ClusterMembershipNotification(view, items);
    }

    private static ClusterMembershipNotification ChangesOnly(MembershipChangedEvent changed)
    {
        var view = FromWire.View(changed.View);
        var items = new List<ClusterMemberChange>(changed.Changes.Count);
        foreach (var c in changed.Changes)
        {
            var member = view.Members.FirstOrDefault(m => m.NodeId == c.NodeId && m.Incarnation == c.Incarnation) ?? Departed(c);
            items.Add(new ClusterMemberChange(member, FromWire.Change(c.Change), c.Reason));
        }

        return new ClusterMembershipNotification(view, items);
    }

    private static MemberInfo Departed(MemberChange c) =>
        new(c.NodeId, c.Incarnation, c.Name, [], c.Change == Muster.Ipc.Contracts.MembershipChange.Failed ? MemberState.Failed : MemberState.Left, null);
}
