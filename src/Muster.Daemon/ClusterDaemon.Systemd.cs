using Muster.Core;
using Muster.Daemon.Host;
using Muster.Membership;

namespace Muster.Daemon;

// sd_notify: READY=1 once the node is in its first view or its join timeout has passed (alone or not, STATUS= says
// which and why), STATUS= as views change, WATCHDOG=1 from the loop when systemd's WatchdogSec is set.
internal sealed partial class ClusterDaemon
{
    private readonly SystemdNotifier? _notifier;
    private bool _ready;
    private Instant _startedAt;
    private Instant _nextWatchdog;

    private void NotifySystemd(Instant now)
    {
        if (_notifier is null)
        {
            return;
        }

        if (!_ready)
        {
            if (_node.Membership.CurrentView is { } view)
            {
                _ready = true;
                _notifier.Ready(DescribeView(view));
            }
            else if (now - _startedAt >= _config.Timing.JoinTimeout)
            {
                // Ready all the same: the node runs and answers its clients; it is just not in a view yet.
                _ready = true;
                var refusals = BuildRefusals(now).Refusals;
                string why = refusals.Count > 0
                    ? $"{(refusals[0].Name.Length > 0 ? refusals[0].Name : refusals[0].Address)}: {refusals[0].Text}"
                    : "no configured peer answers yet";
                _notifier.Ready($"joining: no view {(now - _startedAt).TotalMilliseconds:F0} ms after start ({why})");
            }
        }

        if (_notifier.WatchdogInterval is { } interval && now >= _nextWatchdog)
        {
            // Twice per interval, as sd_watchdog_enabled(3) advises; the loop wakes at least every heartbeat interval.
            _notifier.Watchdog();
            _nextWatchdog = now + interval / 2;
        }
    }

    private void NotifyViewChanged(View view)
    {
        if (_notifier is not null && _ready)
        {
            _notifier.Status(DescribeView(view));
        }
    }

    private string DescribeView(View view) =>
        $"in view {view.Id} with {view.Members.Count} of {_config.Nodes.Count} nodes ({string.Join(' ', view.Members.Select(m => m.Node))})";
}
