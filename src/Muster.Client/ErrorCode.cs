namespace Muster.Client;

/// <summary>What went wrong in a call to musterd (<see cref="MusterException.Code"/>).</summary>
/// <remarks>
/// The numbers are those of SA Forum AIS <c>SaAisErrorT</c>, which Corosync's <c>cs_error_t</c> also uses, so a code
/// means the same thing to someone who knows either API. A newer daemon may answer with a number this client does not
/// name; it is passed on as it is, and the exception's message still says what happened.
/// </remarks>
public enum ErrorCode
{
    /// <summary>Success (SA_AIS_OK, CS_OK).</summary>
    Ok = 1,

    /// <summary>An unexpected failure in the library or the daemon, or the connection was lost (SA_AIS_ERR_LIBRARY, CS_ERR_LIBRARY).</summary>
    Library = 2,

    /// <summary>No protocol version in common (SA_AIS_ERR_VERSION).</summary>
    Version = 3,

    /// <summary>Initialisation failed (SA_AIS_ERR_INIT).</summary>
    Init = 4,

    /// <summary>The call did not finish in time (SA_AIS_ERR_TIMEOUT).</summary>
    Timeout = 5,

    /// <summary>The service cannot do it now; retry later (SA_AIS_ERR_TRY_AGAIN, CS_ERR_TRY_AGAIN).</summary>
    TryAgain = 6,

    /// <summary>A parameter is invalid (SA_AIS_ERR_INVALID_PARAM).</summary>
    InvalidParameter = 7,

    /// <summary>Out of memory (SA_AIS_ERR_NO_MEMORY).</summary>
    NoMemory = 8,

    /// <summary>The handle (connection, group) is not valid (SA_AIS_ERR_BAD_HANDLE).</summary>
    BadHandle = 9,

    /// <summary>The resource is in use (SA_AIS_ERR_BUSY).</summary>
    Busy = 10,

    /// <summary>The caller is not allowed to do this (SA_AIS_ERR_ACCESS).</summary>
    AccessDenied = 11,

    /// <summary>The named entity does not exist (SA_AIS_ERR_NOT_EXIST).</summary>
    NotExist = 12,

    /// <summary>A name is longer than allowed (SA_AIS_ERR_NAME_TOO_LONG).</summary>
    NameTooLong = 13,

    /// <summary>The entity already exists (SA_AIS_ERR_EXIST).</summary>
    Exist = 14,

    /// <summary>A buffer is too small for the result (SA_AIS_ERR_NO_SPACE).</summary>
    NoSpace = 15,

    /// <summary>The call was interrupted (SA_AIS_ERR_INTERRUPT).</summary>
    Interrupt = 16,

    /// <summary>A name was not found (SA_AIS_ERR_NAME_NOT_FOUND).</summary>
    NameNotFound = 17,

    /// <summary>Not enough resources, for example too many clients (SA_AIS_ERR_NO_RESOURCES).</summary>
    NoResources = 18,

    /// <summary>The operation is not supported, for example by an older daemon (SA_AIS_ERR_NOT_SUPPORTED).</summary>
    NotSupported = 19,

    /// <summary>The operation is not allowed in the current state (SA_AIS_ERR_BAD_OPERATION).</summary>
    BadOperation = 20,

    /// <summary>The operation failed (SA_AIS_ERR_FAILED_OPERATION).</summary>
    FailedOperation = 21,

    /// <summary>A message could not be handled (SA_AIS_ERR_MESSAGE_ERROR).</summary>
    MessageError = 22,

    /// <summary>A queue is full (SA_AIS_ERR_QUEUE_FULL).</summary>
    QueueFull = 23,

    /// <summary>A queue is not available (SA_AIS_ERR_QUEUE_NOT_AVAILABLE).</summary>
    QueueNotAvailable = 24,

    /// <summary>The flags are invalid (SA_AIS_ERR_BAD_FLAGS).</summary>
    BadFlags = 25,

    /// <summary>A value, for example a message, is too big (SA_AIS_ERR_TOO_BIG).</summary>
    TooBig = 26,

    /// <summary>The client has joined as many groups as it may (CS_ERR_TOO_MANY_GROUPS).</summary>
    TooManyGroups = 30,

    /// <summary>The service is not available, for example while the node is not in the cluster (SA_AIS_ERR_UNAVAILABLE).</summary>
    Unavailable = 31,

    /// <summary>Authentication or authorisation failed (CS_ERR_SECURITY).</summary>
    Security = 100,
}
