namespace Microsoft.DurableTask.Entities;

/// <summary>What an entity operation can do besides changing state: signal entities and start orchestrations.</summary>
/// <remarks>Both take effect only when the operation succeeds; a failed operation's signals and starts are discarded.</remarks>
public abstract class TaskEntityContext
{
    /// <summary>The entity's id.</summary>
    public abstract EntityInstanceId Id { get; }

    /// <summary>Signals an operation on an entity (possibly this one) without waiting.</summary>
    public abstract void SignalEntity(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null);

    /// <summary>Starts an orchestration; returns its instance id.</summary>
    public abstract string ScheduleNewOrchestration(TaskName name, object? input = null, StartOrchestrationOptions? options = null);
}
