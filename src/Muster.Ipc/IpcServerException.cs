namespace Muster.Ipc;

/// <summary>The IPC server cannot start: the socket is in use by another daemon, or cannot be created or secured.</summary>
public sealed class IpcServerException : IOException
{
    /// <summary>Creates the exception.</summary>
    public IpcServerException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public IpcServerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public IpcServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
