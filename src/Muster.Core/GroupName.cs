using System.Text;

namespace Muster.Core;

/// <summary>Why a process group name is not usable.</summary>
public enum GroupNameProblem
{
    /// <summary>The name is usable.</summary>
    None,

    /// <summary>The name is empty.</summary>
    Empty,

    /// <summary>The name holds a NUL character (C clients pass names as NUL-terminated strings).</summary>
    ContainsNul,

    /// <summary>The name is longer than <see cref="GroupName.MaxBytes"/> UTF-8 bytes (CPG_MAX_NAME_LENGTH).</summary>
    TooLong,
}

/// <summary>
/// The one rule for process group names: 1 to <see cref="MaxBytes"/> bytes of UTF-8, no NUL. The group service applies
/// it to every request; the wire decoder, the client (which fails early) and the CLI use the same rule and limit.
/// </summary>
/// <remarks>
/// It lives here, beside the ids, because the client and the CLI must not depend on the node's assemblies, yet they
/// have to agree with the service to the byte.
/// </remarks>
public static class GroupName
{
    /// <summary>Longest group name in UTF-8 bytes, as Corosync's CPG_MAX_NAME_LENGTH.</summary>
    public const int MaxBytes = 128;

    /// <summary>Checks a name; <paramref name="message"/> says what is wrong with it (empty when nothing is).</summary>
    public static GroupNameProblem Check(string name, out string message)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            message = "group name is empty";
            return GroupNameProblem.Empty;
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            message = "group name contains a NUL character";
            return GroupNameProblem.ContainsNul;
        }

        // Cheap bound first: a UTF-16 string of at most MaxBytes/3 chars cannot exceed MaxBytes in UTF-8.
        if (name.Length > MaxBytes / 3)
        {
            int bytes = Encoding.UTF8.GetByteCount(name);
            if (bytes > MaxBytes)
            {
                message = $"group name is {bytes} UTF-8 bytes; the limit is {MaxBytes}";
                return GroupNameProblem.TooLong;
            }
        }

        message = string.Empty;
        return GroupNameProblem.None;
    }

    /// <summary>True for a usable name.</summary>
    public static bool IsValid(string name) => Check(name, out _) == GroupNameProblem.None;
}
