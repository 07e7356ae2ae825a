using System.Globalization;
using System.Text;
using Muster.Core.Diagnostics;

namespace Muster.Configuration;

/// <summary>Writes a <see cref="ClusterConfig"/> as a <c>muster.toml</c> that <see cref="ConfigLoader"/> reads back equal.</summary>
public static class ConfigWriter
{
    /// <summary>Formats <paramref name="config"/> as TOML.</summary>
    /// <remarks>
    /// Every key is written, except timing values equal to the profile's, which appear as comments so the file
    /// still shows them. The configuration is not validated; call <see cref="ConfigLoader.Validate"/> first if it was
    /// built in code.
    /// </remarks>
    public static string Write(ClusterConfig config)
    {
        var w = new StringBuilder();
        w.Append("# Muster cluster configuration. Every node uses the same file; see docs/configuration.md.\n\n");

        w.Append("[cluster]\n");
        Line(w, "name", Str(config.ClusterName));
        Line(w, "config_version", config.ConfigVersion.ToString(CultureInfo.InvariantCulture));
        Line(w, "port", Int(config.Port));

        foreach (NodeConfig node in config.Nodes)
        {
            w.Append("\n[[node]]\n");
            Line(w, "id", node.Id.ToString(CultureInfo.InvariantCulture));
            Line(w, "name", Str(node.Name));
            Line(w, "addresses", Array(node.Endpoints.Select(e => ValueSyntax.FormatEndpoint(e, config.Port))));
            if (node.Votes != NodeConfig.DefaultVotes)
            {
                Line(w, "votes", Int(node.Votes));
            }
        }

        TimingOptions timing = config.Timing;
        TimingOptions? profile = TimingOptions.TryGetProfile(timing.ProfileName, out TimingOptions? p) ? p : null;
        w.Append("\n[timing]\n");
        Line(w, "profile", Str(timing.ProfileName));
        Timing(w, "heartbeat_interval", timing.HeartbeatInterval, profile?.HeartbeatInterval);
        Timing(w, "failure_timeout", timing.FailureTimeout, profile?.FailureTimeout);
        Timing(w, "consensus_timeout", timing.ConsensusTimeout, profile?.ConsensusTimeout);
        Timing(w, "join_timeout", timing.JoinTimeout, profile?.JoinTimeout);
        Timing(w, "retransmit_interval", timing.RetransmitInterval, profile?.RetransmitInterval);
        Timing(w, "merge_interval", timing.MergeInterval, profile?.MergeInterval);

        LimitOptions limits = config.Limits;
        w.Append("\n[limits]\n");
        Line(w, "max_message_size", Size(limits.MaxMessageSize));
        Line(w, "max_datagram_size", Size(limits.MaxDatagramSize));
        Line(w, "send_window", Int(limits.SendWindow));
        Line(w, "sequencer_window", Int(limits.SequencerWindow));
        Line(w, "max_pending_bytes", Size(limits.MaxPendingBytes));
        Line(w, "ipc_max_clients", Int(limits.IpcMaxClients));
        Line(w, "ipc_client_queue", Int(limits.IpcClientQueue));
        Line(w, "ipc_client_high_water", Int(limits.IpcClientHighWater));
        Line(w, "ipc_client_stall_timeout", Str(ValueSyntax.FormatDuration(limits.IpcClientStallTimeout)));
        Line(w, "ipc_max_frame", Size(limits.IpcMaxFrame));

        IpcOptions ipc = config.Ipc;
        w.Append("\n[ipc]\n");
        Line(w, "socket", Str(ipc.SocketPath));
        Line(w, "socket_mode", Str(ValueSyntax.FormatMode(ipc.SocketMode)));
        Line(w, "socket_group", Str(ipc.SocketGroup ?? ""));
        Line(w, "allowed_users", Array(ipc.AllowedUsers));
        Line(w, "allowed_groups", Array(ipc.AllowedGroups));

        w.Append("\n[security]\n");
        Line(w, "crypto", Str(config.Security.Encrypt ? "aes256gcm" : "none"));
        Line(w, "key_file", Str(config.Security.KeyFile));

        LinkOptions links = config.Links;
        w.Append("\n[links]\n");
        Line(w, "mode", Str(links.Mode == LinkMode.Active ? "active" : "passive"));
        Optional(w, "priority", links.Priorities.Count == 0 ? null : IntArray(links.Priorities), "every link 0: link 0 first");
        Optional(w, "mtu", links.Mtu.Count == 0 ? null : IntArray(links.Mtu), "1500 on every link");
        Optional(w, "probe_interval", links.ProbeInterval is { } probe ? Str(ValueSyntax.FormatDuration(probe)) : null,
            $"timing.heartbeat_interval: {ValueSyntax.FormatDuration(links.EffectiveProbeInterval(timing))}");
        Optional(w, "link_timeout", links.LinkTimeout is { } timeout ? Str(ValueSyntax.FormatDuration(timeout)) : null,
            $"3 probe intervals, below the failure timeout: {ValueSyntax.FormatDuration(links.EffectiveLinkTimeout(timing))}");

        Quorum(w, config.Quorum);
        Fencing(w, config.Fencing);

        w.Append("\n[system]\n");
        Line(w, "state_dir", Str(config.System.StateDirectory));
        Line(w, "sched_rr", Bool(config.System.SchedRr));
        Line(w, "lock_memory", Bool(config.System.LockMemory));

        w.Append("\n[logging]\n");
        Line(w, "level", Str(config.Logging.Level switch
        {
            LogLevel.Debug => "debug",
            LogLevel.Warning => "warning",
            LogLevel.Error => "error",
            _ => "info",
        }));
        Line(w, "file", Str(config.Logging.File ?? ""));
        if (config.Metrics.Listen is { } listen)
        {
            w.Append("\n[metrics]\n");
            Line(w, "listen", Str(listen.ToString()));
        }

        return w.ToString();
    }

    // As [quorum]: only when something is configured, so a file without fencing stays readable by older builds.
    private static void Fencing(StringBuilder w, FencingConfig f)
    {
        if (f.IsEmpty)
        {
            return;
        }

        w.Append("\n[fencing]\n");
        Line(w, "action", Str(f.Action));
        foreach (FenceDeviceConfig d in f.Devices)
        {
            w.Append("\n[[fence_device]]\n");
            Line(w, "name", Str(d.Name));
            Line(w, "agent", Str(d.Agent));
            Line(w, "parameters", Array(d.Parameters.Select(p => $"{p.Key}={p.Value}")));
            Line(w, "host_map", Array(d.HostMap.Select(p => $"{p.Key}:{p.Value}")));
            Line(w, "timeout", Str(ValueSyntax.FormatDuration(d.Timeout)));
            Line(w, "retries", Int(d.Retries));
            Line(w, "delay_base", Str(ValueSyntax.FormatDuration(d.DelayBase)));
            Line(w, "delay_max", Str(ValueSyntax.FormatDuration(d.DelayMax)));
        }

        foreach (FenceLevelConfig l in f.Levels)
        {
            w.Append("\n[[fence_level]]\n");
            Line(w, "node", Str(l.Node));
            Line(w, "index", Int(l.Index));
            Line(w, "devices", Array(l.Devices));
        }
    }

    // Only when it differs from the defaults: a build from before [quorum] refuses the table, and one file must serve
    // every node of a cluster during a rolling upgrade.
    private static void Quorum(StringBuilder w, QuorumConfig q)
    {
        if (q == new QuorumConfig())
        {
            return;
        }

        w.Append("\n[quorum]\n");
        Optional(w, "expected_votes", q.ExpectedVotes is { } e ? Int(e) : null, "the sum of the nodes' votes");
        Line(w, "two_node", Bool(q.TwoNode));
        Optional(w, "wait_for_all", q.WaitForAll is { } wfa ? Bool(wfa) : null, "the value of two_node");
        Line(w, "last_man_standing", Bool(q.LastManStanding));
        Optional(w, "last_man_standing_window", q.LastManStandingWindow is { } window ? Str(ValueSyntax.FormatDuration(window)) : null, "10s");
        Line(w, "auto_tie_breaker", Bool(q.AutoTieBreaker));
        Optional(w, "auto_tie_breaker_node", q.TieBreakerNode switch
        {
            TieBreakerRule.Lowest => Str("lowest"),
            TieBreakerRule.Highest => Str("highest"),
            TieBreakerRule.List => "[" + string.Join(", ", q.TieBreakerNodes.Select(n => n.ToString(CultureInfo.InvariantCulture))) + "]",
            _ => null,
        }, "\"lowest\"");
        Line(w, "allow_downscale", Bool(q.AllowDownscale));
    }

    private static void Line(StringBuilder w, string key, string value) => w.Append(key).Append(" = ").Append(value).Append('\n');

    private static void Timing(StringBuilder w, string key, TimeSpan value, TimeSpan? fromProfile)
    {
        if (value == fromProfile)
        {
            w.Append("# ");
            Line(w, key, Str(ValueSyntax.FormatDuration(value)) + "  (from the profile)");
        }
        else
        {
            Line(w, key, Str(ValueSyntax.FormatDuration(value)));
        }
    }

    // A key left at its default is written as a comment that says what the default is.
    private static void Optional(StringBuilder w, string key, string? value, string defaultText)
    {
        if (value is null)
        {
            w.Append("# ").Append(key).Append(" = (default: ").Append(defaultText).Append(")\n");
        }
        else
        {
            Line(w, key, value);
        }
    }

    private static string IntArray(IEnumerable<int> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string Str(string value) => ValueSyntax.Quote(value);

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";

    // Whole KiB or MiB are written as strings ("1MiB"), anything else as a plain byte count.
    private static string Size(int value)
    {
        string text = ValueSyntax.FormatSize(value);
        return text.EndsWith('B') ? Str(text) : text;
    }

    private static string Array(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Str)) + "]";
}
