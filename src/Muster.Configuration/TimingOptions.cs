namespace Muster.Configuration;

/// <summary>The membership protocol's timers (the <c>[timing]</c> table).</summary>
/// <remarks>
/// A profile gives every value; each key set in <c>[timing]</c> overrides the profile's value. The loader checks
/// that every value is greater than zero (and at most one hour), that
/// <see cref="FailureTimeout"/> is at least 3 × <see cref="HeartbeatInterval"/> (so two lost heartbeats in a row do not
/// declare a node dead), that <see cref="ConsensusTimeout"/> is at least 2 × <see cref="RetransmitInterval"/> (so a
/// round survives one lost packet), and that <see cref="RetransmitInterval"/> is at most
/// <see cref="HeartbeatInterval"/>.
/// </remarks>
public sealed record TimingOptions
{
    /// <summary>Name of the default profile, for a LAN with idle machines.</summary>
    public const string LanProfile = "lan";

    /// <summary>Name of the profile for CI and real-process tests on busy machines.</summary>
    public const string TestProfile = "test";

    /// <summary>The default profile: fast failure detection on a quiet LAN.</summary>
    public static TimingOptions Lan { get; } = new()
    {
        ProfileName = LanProfile,
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        FailureTimeout = TimeSpan.FromMilliseconds(600),
        ConsensusTimeout = TimeSpan.FromMilliseconds(400),
        JoinTimeout = TimeSpan.FromMilliseconds(300),
        RetransmitInterval = TimeSpan.FromMilliseconds(20),
        MergeInterval = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>
    /// A more tolerant profile for CI and tests that run several real daemons on a busy two-core machine, where a
    /// process can be descheduled for hundreds of milliseconds without having failed.
    /// </summary>
    public static TimingOptions Test { get; } = new()
    {
        ProfileName = TestProfile,
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        FailureTimeout = TimeSpan.FromSeconds(2),
        ConsensusTimeout = TimeSpan.FromSeconds(1),
        JoinTimeout = TimeSpan.FromMilliseconds(500),
        RetransmitInterval = TimeSpan.FromMilliseconds(30),
        MergeInterval = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>The known profile names, default first.</summary>
    public static IReadOnlyList<string> ProfileNames { get; } = [LanProfile, TestProfile];

    /// <summary>The profile these values started from (<c>timing.profile</c>).</summary>
    public string ProfileName { get; init; } = LanProfile;

    /// <summary>How often a node sends a heartbeat to the others (<c>timing.heartbeat_interval</c>).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long without hearing from a node before it is suspected to have failed (<c>timing.failure_timeout</c>).</summary>
    public TimeSpan FailureTimeout { get; init; } = TimeSpan.FromMilliseconds(600);

    /// <summary>How long a membership round may take to agree before it is restarted (<c>timing.consensus_timeout</c>).</summary>
    public TimeSpan ConsensusTimeout { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How long a node collects join messages before proposing a view (<c>timing.join_timeout</c>).</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long before an unacknowledged protocol message is sent again (<c>timing.retransmit_interval</c>).</summary>
    public TimeSpan RetransmitInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a node looks for other partitions to merge with (<c>timing.merge_interval</c>).</summary>
    public TimeSpan MergeInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The values of the named profile.</summary>
    /// <param name="name"><c>"lan"</c> or <c>"test"</c>.</param>
    /// <exception cref="ArgumentException">The name is not a known profile.</exception>
    public static TimingOptions ForProfile(string name) =>
        TryGetProfile(name, out TimingOptions? profile)
            ? profile
            : throw new ArgumentException($"unknown timing profile \"{name}\" (expected \"lan\" or \"test\")", nameof(name));

    /// <summary>Looks up a profile by name (exact, lower case).</summary>
    public static bool TryGetProfile(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimingOptions? profile)
    {
        profile = name switch
        {
            LanProfile => Lan,
            TestProfile => Test,
            _ => null,
        };
        return profile is not null;
    }
}
