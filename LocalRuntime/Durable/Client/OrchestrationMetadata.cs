using System.Text.Json;

namespace Microsoft.DurableTask.Client;

/// <summary>What a client can read about an orchestration instance.</summary>
public sealed class OrchestrationMetadata
{
    /// <summary>Creates metadata.</summary>
    public OrchestrationMetadata(string name, string instanceId)
    {
        Name = name;
        InstanceId = instanceId;
    }

    /// <summary>The orchestrator name.</summary>
    public string Name { get; }

    /// <summary>The instance id.</summary>
    public string InstanceId { get; }

    /// <summary>The runtime status.</summary>
    public OrchestrationRuntimeStatus RuntimeStatus { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>The JSON input, when fetched.</summary>
    public string? SerializedInput { get; init; }

    /// <summary>The JSON output, when fetched.</summary>
    public string? SerializedOutput { get; init; }

    /// <summary>The JSON custom status, when fetched.</summary>
    public string? SerializedCustomStatus { get; init; }

    /// <summary>Why it failed, for a failed instance.</summary>
    public TaskFailureDetails? FailureDetails { get; init; }

    /// <summary>Tags given at start.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether it is running (also while suspended).</summary>
    public bool IsRunning => RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended;

    /// <summary>Whether it reached a terminal status.</summary>
    public bool IsCompleted => RuntimeStatus is OrchestrationRuntimeStatus.Completed
        or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated or OrchestrationRuntimeStatus.Canceled;

    internal JsonSerializerOptions SerializerOptions { get; init; } = LocalRuntime.Durable.Engine.DataConverter.Options;

    /// <summary>The input, deserialized.</summary>
    public T? ReadInputAs<T>() => Read<T>(SerializedInput);

    /// <summary>The output, deserialized.</summary>
    public T? ReadOutputAs<T>() => Read<T>(SerializedOutput);

    /// <summary>The custom status, deserialized.</summary>
    public T? ReadCustomStatusAs<T>() => Read<T>(SerializedCustomStatus);

    private T? Read<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, SerializerOptions);
}
