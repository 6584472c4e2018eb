using Microsoft.DurableTask;

namespace LocalRuntime.Durable.Engine;

/// <summary>An activity invocation as the engine hands it to the function host.</summary>
/// <param name="Name">The activity name.</param>
/// <param name="InstanceId">The orchestration instance that scheduled it.</param>
/// <param name="TaskId">Its sequence id in that orchestration.</param>
/// <param name="Input">The JSON input.</param>
/// <param name="Attempt">1 on first delivery, higher when redelivered after a crash.</param>
public readonly record struct ActivityInvocation(string Name, string InstanceId, int TaskId, string? Input, int Attempt);

/// <summary>Runs an activity: JSON input in, JSON output out; throws on failure.</summary>
public delegate ValueTask<string?> ActivityFunction(ActivityInvocation invocation, CancellationToken cancellation);

/// <summary>Runs orchestrator code against a context; the result becomes the orchestration output.</summary>
public delegate Task<object?> OrchestratorFunction(TaskOrchestrationContext context);

/// <summary>The orchestrators, activities and entities a host offers, by name (case-insensitive).</summary>
public sealed class DurableFunctionRegistry
{
    private readonly Dictionary<string, OrchestratorFunction> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ActivityFunction> _activities = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, EntityFunction> _entities = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers an orchestrator.</summary>
    public DurableFunctionRegistry AddOrchestrator(string name, OrchestratorFunction function)
    {
        _orchestrators.Add(name, function);
        return this;
    }

    /// <summary>Registers an orchestrator written as a typed async function.</summary>
    public DurableFunctionRegistry AddOrchestrator<TResult>(string name, Func<TaskOrchestrationContext, Task<TResult>> function) =>
        AddOrchestrator(name, new OrchestratorFunction(async context => await function(context)));

    /// <summary>Registers an activity.</summary>
    public DurableFunctionRegistry AddActivity(string name, ActivityFunction function)
    {
        _activities.Add(name, function);
        return this;
    }

    /// <summary>Registers an activity written as a typed function.</summary>
    public DurableFunctionRegistry AddActivity<TInput, TResult>(string name, Func<TInput, TResult> function) =>
        AddActivity(name, (invocation, _) =>
            ValueTask.FromResult(DataConverter.Serialize(function(DataConverter.Deserialize<TInput>(invocation.Input)!))));

    /// <summary>Finds an orchestrator.</summary>
    public bool TryGetOrchestrator(string name, out OrchestratorFunction function) =>
        _orchestrators.TryGetValue(name, out function!);

    /// <summary>Finds an activity.</summary>
    public bool TryGetActivity(string name, out ActivityFunction function) =>
        _activities.TryGetValue(name, out function!);

    /// <summary>Registers an entity function (the host's <c>[EntityTrigger]</c> functions).</summary>
    public DurableFunctionRegistry AddEntity(string name, EntityFunction function)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _entities.Add(name, function);
        return this;
    }

    /// <summary>Registers an entity type: a new instance runs each batch.</summary>
    public DurableFunctionRegistry AddEntity<TEntity>(string name)
        where TEntity : Microsoft.DurableTask.Entities.ITaskEntity, new() =>
        AddEntity(name, batch => new ValueTask(batch.RunAsync(new TEntity())));

    /// <summary>Finds an entity function by name.</summary>
    public bool TryGetEntity(string name, out EntityFunction function) =>
        _entities.TryGetValue(name, out function!);

    /// <summary>The registered orchestrator names.</summary>
    public IEnumerable<string> OrchestratorNames => _orchestrators.Keys;

    /// <summary>The registered activity names.</summary>
    public IEnumerable<string> ActivityNames => _activities.Keys;
}
