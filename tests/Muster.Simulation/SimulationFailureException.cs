namespace Muster.Simulation;

/// <summary>A guarantee was violated (or liveness was not reached in the stated bound).</summary>
public sealed class SimulationFailureException : Exception
{
    public SimulationFailureException(string message) : base(message)
    {
    }

    public SimulationFailureException()
    {
    }

    public SimulationFailureException(string message, Exception inner) : base(message, inner)
    {
    }
}
