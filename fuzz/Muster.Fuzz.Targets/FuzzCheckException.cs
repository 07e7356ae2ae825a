namespace Muster.Fuzz.Targets;

/// <summary>
/// A check of a fuzz target failed on a case where no exception escaped (a round trip that changed the bytes, a
/// rejected packet that was not counted). Thrown so that AFL++ records the input as a crash, like any other exception.
/// </summary>
public sealed class FuzzCheckException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FuzzCheckException()
    {
    }

    /// <summary>Creates the exception with a description of the failed check.</summary>
    public FuzzCheckException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a description and the exception that caused it.</summary>
    public FuzzCheckException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
