namespace Muster.Configuration;

/// <summary>Sizes and queue bounds (the <c>[limits]</c> table). Sizes are in bytes.</summary>
/// <remarks>Every bound is finite so a slow peer or client costs bounded memory. See docs/configuration.md for the ranges.</remarks>
public sealed record LimitOptions
{
    /// <summary>Largest group message a client may send (<c>limits.max_message_size</c>); 1 KiB .. 1 MiB.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>Largest UDP datagram payload the daemon sends (<c>limits.max_datagram_size</c>); 576 .. 65000.</summary>
    public int MaxDatagramSize { get; init; } = 1400;

    /// <summary>Fragments one node may have submitted but not yet seen ordered (<c>limits.send_window</c>).</summary>
    public int SendWindow { get; init; } = 64;

    /// <summary>Ordered fragments not yet acknowledged by every member (<c>limits.sequencer_window</c>).</summary>
    public int SequencerWindow { get; init; } = 2048;

    /// <summary>Bytes queued by local senders before a send waits or gets TryAgain (<c>limits.max_pending_bytes</c>).</summary>
    public int MaxPendingBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Most IPC clients connected at once (<c>limits.ipc_max_clients</c>).</summary>
    public int IpcMaxClients { get; init; } = 256;

    /// <summary>Events queued for one IPC client before it is disconnected (<c>limits.ipc_client_queue</c>).</summary>
    public int IpcClientQueue { get; init; } = 4096;

    /// <summary>Queued events above which a client's queue applies flow control (<c>limits.ipc_client_high_water</c>).</summary>
    public int IpcClientHighWater { get; init; } = 1024;

    /// <summary>
    /// How long a client may leave its full queue unread before it is disconnected (<c>limits.ipc_client_stall_timeout</c>).
    /// </summary>
    public TimeSpan IpcClientStallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest IPC frame in either direction (<c>limits.ipc_max_frame</c>).</summary>
    public int IpcMaxFrame { get; init; } = 2 * 1024 * 1024;
}
