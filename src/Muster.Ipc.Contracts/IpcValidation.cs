using Muster.Core;

namespace Muster.Ipc.Contracts;

/// <summary>Checks of request fields as IPC error codes, shared by the daemon (which answers with the code) and the client (which throws early).</summary>
public static class IpcValidation
{
    /// <summary>
    /// <see cref="GroupName"/>'s rule as an IPC error code: <see cref="ErrorCode.Ok"/> for a usable name,
    /// <see cref="ErrorCode.InvalidParameter"/> for an empty one or one holding a NUL, <see cref="ErrorCode.NameTooLong"/>
    /// beyond <see cref="GroupName.MaxBytes"/> bytes.
    /// </summary>
    public static ErrorCode CheckGroupName(string name, out string message) => GroupName.Check(name, out message) switch
    {
        GroupNameProblem.None => ErrorCode.Ok,
        GroupNameProblem.TooLong => ErrorCode.NameTooLong,
        _ => ErrorCode.InvalidParameter,
    };

    /// <summary>
    /// <see cref="ErrorCode.Ok"/> for usable tracking flags: <see cref="TrackFlags.Changes"/> or
    /// <see cref="TrackFlags.ChangesOnly"/> (not both), optionally with <see cref="TrackFlags.Current"/>.
    /// </summary>
    public static ErrorCode CheckTrackFlags(TrackFlags flags, out string message)
    {
        const TrackFlags known = TrackFlags.Current | TrackFlags.Changes | TrackFlags.ChangesOnly;
        if ((flags & ~known) != 0)
        {
            message = $"unknown track flags 0x{(byte)flags:x2}";
            return ErrorCode.BadFlags;
        }

        if ((flags & (TrackFlags.Changes | TrackFlags.ChangesOnly)) == (TrackFlags.Changes | TrackFlags.ChangesOnly))
        {
            message = "Changes and ChangesOnly are mutually exclusive";
            return ErrorCode.BadFlags;
        }

        if ((flags & (TrackFlags.Changes | TrackFlags.ChangesOnly)) == 0)
        {
            message = "tracking needs Changes or ChangesOnly; ask GetMembers for the current view alone";
            return ErrorCode.BadFlags;
        }

        message = string.Empty;
        return ErrorCode.Ok;
    }
}
