using Muster.Client.Wire;
using Muster.Ipc.Contracts;
using ErrorCode = Muster.Client.ErrorCode;

namespace Muster.Client;

/// <summary>A call to musterd failed; <see cref="Code"/> says how, with the numbering of AIS and Corosync.</summary>
public class MusterException : Exception
{
    /// <summary>Creates an exception with code <see cref="ErrorCode.Library"/>.</summary>
    public MusterException()
        : this(ErrorCode.Library, "musterd call failed")
    {
    }

    /// <summary>Creates an exception with code <see cref="ErrorCode.Library"/> and a message.</summary>
    public MusterException(string message)
        : this(ErrorCode.Library, message)
    {
    }

    /// <summary>Creates an exception with code <see cref="ErrorCode.Library"/>, a message and its cause.</summary>
    public MusterException(string message, Exception innerException)
        : this(ErrorCode.Library, message, innerException)
    {
    }

    /// <summary>Creates an exception with a code and a message.</summary>
    public MusterException(ErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>What went wrong (for example <see cref="ErrorCode.TryAgain"/>, <see cref="ErrorCode.NotExist"/>).</summary>
    public ErrorCode Code { get; }

    internal static MusterException FromError(ErrorResponse error) => new(FromWire.Code(error.Code), $"{error.Message} ({error.Code})");
}

/// <summary>The client is not connected to musterd: it could not connect, the connection was lost, or it was disposed.</summary>
/// <remarks>Corresponds to Corosync's CS_ERR_LIBRARY / CS_ERR_BAD_HANDLE after the daemon goes away.</remarks>
public sealed class MusterNotConnectedException : MusterException
{
    /// <summary>Creates the exception.</summary>
    public MusterNotConnectedException()
        : base(ErrorCode.Library, "not connected to musterd")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MusterNotConnectedException(string message)
        : base(ErrorCode.Library, message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MusterNotConnectedException(string message, Exception innerException)
        : base(ErrorCode.Library, message, innerException)
    {
    }
}
