namespace Muster.Security;

/// <summary>A key file that cannot be used; the message names the file and what is wrong.</summary>
public sealed class KeyFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KeyFileException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public KeyFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public KeyFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="path"/>: "key file PATH: PROBLEM".</summary>
    public KeyFileException(string path, string problem)
        : base($"key file {path}: {problem}")
    {
    }

    /// <summary>Creates the exception for <paramref name="path"/> with its cause.</summary>
    public KeyFileException(string path, string problem, Exception innerException)
        : base($"key file {path}: {problem}", innerException)
    {
    }
}
