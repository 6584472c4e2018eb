using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Durable.Engine;

/// <summary>Runs an entity function: the host hands the batch to entity code (the dispatcher).</summary>
public delegate ValueTask EntityFunction(EntityBatch batch);

/// <summary>
/// The operations an entity runs in one episode, one at a time in arrival order, against its state. Each
/// operation either commits its state change, signals and starts, or (when it throws) rolls all of them back
/// and records the failure for its caller.
/// </summary>
public sealed class EntityBatch
{
    private readonly List<EntityOperationRequest> _operations;
    private readonly EntityOperationResult[] _results;
    private readonly List<EntitySignal> _signals = [];
    private readonly List<EntityStart> _starts = [];
    private readonly Func<DateTime> _now;
    private bool _ran;

    internal EntityBatch(EntityInstanceId id, string? state, List<EntityOperationRequest> operations, Func<DateTime> now)
    {
        Id = id;
        SerializedState = state;
        _operations = operations;
        _results = new EntityOperationResult[operations.Count];
        _now = now;
    }

    /// <summary>The entity.</summary>
    public EntityInstanceId Id { get; }

    /// <summary>How many operations the batch holds.</summary>
    public int Count => _operations.Count;

    /// <summary>The entity's state (JSON) after the operations run so far; null when it has none.</summary>
    public string? SerializedState { get; private set; }

    internal IReadOnlyList<EntityOperationResult> Results => _results;

    internal List<EntitySignal> Signals => _signals;

    internal List<EntityStart> Starts => _starts;

    /// <summary>Runs every operation against <paramref name="entity"/>, in order.</summary>
    public async Task RunAsync(ITaskEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (_ran)
        {
            throw new InvalidOperationException("The entity batch was already dispatched.");
        }

        _ran = true;
        for (var i = 0; i < _operations.Count; i++)
        {
            var request = _operations[i];
            var state = new LocalEntityState(SerializedState);
            var context = new LocalEntityContext(Id, _now);
            var operation = new LocalEntityOperation(request.Name, request.Input, context, state);
            try
            {
                var result = await entity.RunAsync(operation);
                _results[i] = new EntityOperationResult(DataConverter.Serialize(result), null);
                SerializedState = state.Serialized; // commit: state, signals and starts of this operation
                _signals.AddRange(context.Signals);
                _starts.AddRange(context.Starts);
            }
            catch (Exception ex)
            {
                // Roll back: the state before the operation stays, its signals and starts are dropped.
                _results[i] = new EntityOperationResult(null, TaskFailureDetails.FromException(ex));
            }
        }
    }

    /// <summary>Fails every operation (the entity function is missing or threw outside the dispatcher).</summary>
    internal void FailAll(TaskFailureDetails failure)
    {
        for (var i = 0; i < _results.Length; i++)
        {
            _results[i] ??= new EntityOperationResult(null, failure);
        }
    }

    private sealed class LocalEntityOperation(string name, string? input, TaskEntityContext context, TaskEntityState state) : TaskEntityOperation
    {
        public override string Name => name;

        public override TaskEntityContext Context => context;

        public override TaskEntityState State => state;

        public override bool HasInput => input is not null;

        public override object? GetInput(Type inputType) => DataConverter.Deserialize(input, inputType);
    }

    private sealed class LocalEntityState(string? serialized) : TaskEntityState
    {
        public string? Serialized { get; private set; } = serialized;

        public override bool HasState => Serialized is not null;

        public override object? GetState(Type type) => DataConverter.Deserialize(Serialized, type);

        public override void SetState(object? state) => Serialized = DataConverter.Serialize(state);
    }

    private sealed class LocalEntityContext(EntityInstanceId id, Func<DateTime> now) : TaskEntityContext
    {
        public List<EntitySignal> Signals { get; } = [];

        public List<EntityStart> Starts { get; } = [];

        public override EntityInstanceId Id => id;

        public override void SignalEntity(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(operationName);
            Signals.Add(new EntitySignal(id.ToString(), operationName, DataConverter.Serialize(input), options?.SignalTime?.UtcDateTime));
        }

        public override string ScheduleNewOrchestration(TaskName name, object? input = null, StartOrchestrationOptions? options = null)
        {
            var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
            Starts.Add(new EntityStart(instanceId, name.Name, DataConverter.Serialize(input), options?.StartAt?.UtcDateTime ?? now()));
            return instanceId;
        }
    }
}

/// <summary>One operation request taken from an entity's messages.</summary>
internal sealed record EntityOperationRequest(string Name, string? Input, OrchestrationMessage Message);

/// <summary>The outcome of one operation: output JSON, or a failure.</summary>
internal sealed record EntityOperationResult(string? Output, TaskFailureDetails? Failure);

/// <summary>A signal an operation sent.</summary>
internal sealed record EntitySignal(string TargetInstanceId, string Operation, string? Input, DateTime? VisibleAt);

/// <summary>An orchestration an operation started.</summary>
internal sealed record EntityStart(string InstanceId, string Name, string? Input, DateTime StartAt);
