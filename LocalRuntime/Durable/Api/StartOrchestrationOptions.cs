using Microsoft.DurableTask.Client;

namespace Microsoft.DurableTask;

/// <summary>Options for starting an orchestration instance.</summary>
/// <param name="InstanceId">The instance id; a new GUID when null.</param>
/// <param name="StartAt">When to start; now when null.</param>
public record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null)
{
    /// <summary>Tags stored with the instance.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Statuses of an existing instance with the same id that the new one may replace. An existing
    /// instance in any other status makes the start fail. When null, only a running instance blocks.
    /// </summary>
    public IReadOnlyList<OrchestrationRuntimeStatus>? DedupeStatuses { get; init; }
}
