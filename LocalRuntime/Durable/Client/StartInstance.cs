namespace LocalRuntime.Durable.Client;

/// <summary>What a start names: orchestrator, instance id (null: a new one), input as JSON text (never re-serialized).</summary>
internal sealed record StartInstance(string Name, string? InstanceId, string? Input)
{
    public string? Version { get; init; }

    public DateTime? ScheduledStartTime { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    /// <summary>Restarts set Durable's own source-instance tag; callers may not.</summary>
    public bool AllowSourceTag { get; init; }
}
