namespace LocalRuntime.Durable.Client;

/// <summary>
/// How the host's Durable client side (the gRPC sidecar behind <c>[DurableClient]</c> and the HTTP management API)
/// serves its one task hub.
/// </summary>
public sealed record DurableClientOptions
{
    /// <summary>The task hub this host serves (host.json <c>extensions.durableTask.hubName</c>). Calls naming another hub are refused.</summary>
    public required string TaskHubName { get; init; }

    /// <summary>The connection name reported in management URLs (<c>connection=</c>), as Durable does.</summary>
    public string ConnectionName { get; init; } = "Storage";

    /// <summary>
    /// host.json <c>overridableExistingInstanceStates</c> = <c>NonRunningStates</c>: starting an instance whose id is
    /// Running, Pending, Suspended or ContinuedAsNew fails instead of replacing it. Durable's default (false) is
    /// <c>AnyState</c>: a start with an existing id replaces that instance unless the caller's reuse policy forbids it.
    /// </summary>
    public bool OverrideOnlyNonRunningInstances { get; init; }

    /// <summary>host.json <c>defaultVersion</c>: the version of instances started without one.</summary>
    public string? DefaultVersion { get; init; }

    /// <summary>
    /// Rewinds a failed instance on backends that can (Microsoft's Azure Storage provider can by itself, and is used
    /// without this); null elsewhere means rewind is answered as not implemented, as Durable does.
    /// </summary>
    public Func<string, string, Task>? Rewind { get; init; }

    /// <summary>The clock for start times and waits.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
