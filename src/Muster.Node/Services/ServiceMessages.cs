namespace Muster.Node.Services;

/// <summary>A client request for a service; each service defines its own request types.</summary>
public abstract record ServiceRequest;

/// <summary>A service's answer to a <see cref="ServiceRequest"/>.</summary>
public abstract record ServiceResponse
{
    /// <summary>The service does not handle requests of that type.</summary>
    public static ServiceResponse Unsupported { get; } = new UnsupportedResponse();

    private sealed record UnsupportedResponse : ServiceResponse;
}

/// <summary>An input from the shell for a service (the result of an effect it asked for, say).</summary>
public abstract record ServiceInput;

/// <summary>An effect a service asks the shell to carry out (run a fence agent, say).</summary>
public abstract record ServiceEffect;
