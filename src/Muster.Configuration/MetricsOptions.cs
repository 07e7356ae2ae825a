using System.Net;

namespace Muster.Configuration;

/// <summary>The Prometheus endpoint (the <c>[metrics]</c> table): off unless <c>listen</c> is set.</summary>
public sealed record MetricsOptions
{
    /// <summary>The port used when <c>metrics.listen</c> names only an address.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Address and port of the local HTTP endpoint serving <c>/metrics</c> (<c>metrics.listen</c>), or null for none.</summary>
    public IPEndPoint? Listen { get; init; }
}
