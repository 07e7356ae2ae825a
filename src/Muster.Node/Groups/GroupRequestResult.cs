namespace Muster.Node.Groups;

/// <summary>Outcome of a local group request (maps onto the IPC error codes).</summary>
public enum GroupRequestResult
{
    /// <summary>Accepted.</summary>
    Ok = 1,
    /// <summary>Flow control: try again later (CS_ERR_TRY_AGAIN).</summary>
    TryAgain = 2,
    /// <summary>The process is already a member of the group (CS_ERR_EXIST).</summary>
    Exist = 3,
    /// <summary>The process is not a member of the group (CS_ERR_NOT_EXIST).</summary>
    NotExist = 4,
    /// <summary>The group name is empty, longer than 128 bytes, or contains a NUL (CS_ERR_INVALID_PARAM / NAME_TOO_LONG).</summary>
    InvalidName = 5,
    /// <summary>The message is larger than the maximum message size (CS_ERR_TOO_BIG).</summary>
    TooBig = 6,
    /// <summary>The node has left the cluster.</summary>
    NotRunning = 7,
    /// <summary>This node already has the maximum number of local group memberships.</summary>
    TooManyGroups = 8,
}
