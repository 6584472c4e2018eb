namespace ServerlessTasks.Functions.Health;

/// <summary>When <c>GET /api/health</c> reports degraded (settings <c>Health:*</c>, see docs/deployment.md).</summary>
public sealed record HealthSettings
{
    /// <summary>More tasks waiting for workers than this is a backed-up queue.</summary>
    public int MaxQueueDepth { get; init; } = 1000;

    /// <summary>A task waiting for a worker longer than this is a backed-up queue.</summary>
    public TimeSpan MaxPendingAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a health check may take before it counts as unreachable.</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
