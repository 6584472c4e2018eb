namespace Microsoft.DurableTask.Entities;

/// <summary>A durable entity: runs one operation at a time against its state.</summary>
public interface ITaskEntity
{
    /// <summary>Runs one operation; the result is returned to a calling orchestration.</summary>
    ValueTask<object?> RunAsync(TaskEntityOperation operation);
}
