using LocalRuntime.Durable.Stores;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Engine;

/// <summary>The <see cref="DurableTaskClient"/> of a local engine.</summary>
public sealed class LocalDurableTaskClient : DurableTaskClient
{
    private static readonly OrchestrationRuntimeStatus[] DefaultBlockingStatuses =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    private readonly DurableEngine _engine;
    private LocalDurableEntityClient? _entities;

    internal LocalDurableTaskClient(DurableEngine engine)
        : base(engine.Options.HubName) => _engine = engine;

    /// <inheritdoc />
    public override Microsoft.DurableTask.Client.Entities.DurableEntityClient Entities => _entities ??= new LocalDurableEntityClient(_engine);

    /// <summary>The engine behind this client.</summary>
    public DurableEngine Engine => _engine;

    /// <summary>
    /// The base URL of the host's HTTP endpoints (e.g. <c>http://localhost:7071</c>), used for management URLs
    /// when no request is at hand; set by the Functions host once it listens.
    /// </summary>
    public Uri? HttpBaseUrl { get; set; }

    /// <inheritdoc />
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId, nameof(options.InstanceId));
        var executionId = Guid.NewGuid().ToString("N");
        var now = _engine.UtcNow();
        var serializedInput = DataConverter.Serialize(input);
        var state = new InstanceState
        {
            InstanceId = instanceId,
            Name = orchestratorName.Name,
            ExecutionId = executionId,
            Status = OrchestrationRuntimeStatus.Pending,
            CreatedAt = now,
            LastUpdatedAt = now,
            Input = serializedInput,
            Tags = options?.Tags,
        };
        var start = new OrchestrationMessage
        {
            Id = _engine.NextId(),
            InstanceId = instanceId,
            ExecutionId = executionId,
            VisibleAt = options?.StartAt?.UtcDateTime,
            Event = new HistoryEvent
            {
                Type = HistoryEventType.ExecutionStarted,
                Timestamp = now,
                InstanceId = instanceId,
                Name = orchestratorName.Name,
                Data = serializedInput,
                ExecutionId = executionId,
                Tags = options?.Tags,
            },
        };

        var blocking = options?.DedupeStatuses is { } dedupe ? dedupe.ToArray() : DefaultBlockingStatuses;
        var result = await _engine.Store.CreateInstanceAsync(state, start, blocking, cancellation);
        if (!result.Created)
        {
            throw new InstanceAlreadyExistsException(instanceId, result.Existing!.Status);
        }

        _engine.Route(start);
        return instanceId;
    }

    /// <inheritdoc />
    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return SendAsync(instanceId, null, new HistoryEvent
        {
            Type = HistoryEventType.EventRaised,
            Timestamp = _engine.UtcNow(),
            Name = eventName,
            Data = DataConverter.Serialize(eventPayload),
        }, cancellation);
    }

    /// <inheritdoc />
    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, null, new HistoryEvent
        {
            Type = HistoryEventType.ExecutionTerminated,
            Timestamp = _engine.UtcNow(),
            Data = DataConverter.Serialize(options?.Output),
        }, cancellation);

    /// <inheritdoc />
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, null, new HistoryEvent { Type = HistoryEventType.ExecutionSuspended, Timestamp = _engine.UtcNow(), Data = reason }, cancellation);

    /// <inheritdoc />
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, null, new HistoryEvent { Type = HistoryEventType.ExecutionResumed, Timestamp = _engine.UtcNow(), Data = reason }, cancellation);

    /// <inheritdoc />
    public override async Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        var state = await _engine.Store.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellation);
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    /// <inheritdoc />
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null)
    {
        filter ??= new OrchestrationQuery();
        return Pageable.Create(async (token, size, cancellation) =>
        {
            var page = await _engine.Store.QueryInstancesAsync(
                new InstanceFilter(
                    filter.CreatedFrom?.UtcDateTime,
                    filter.CreatedTo?.UtcDateTime,
                    filter.Statuses?.ToArray(),
                    filter.InstanceIdPrefix,
                    size ?? filter.PageSize,
                    token ?? filter.ContinuationToken),
                cancellation);
            return new Page<OrchestrationMetadata>(
                [.. page.Instances.Select(s => ToMetadata(s, filter.FetchInputsAndOutputs))],
                page.ContinuationToken);
        });
    }

    /// <inheritdoc />
    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        WaitForAsync(instanceId, getInputsAndOutputs, static s => s.Status != OrchestrationRuntimeStatus.Pending, cancellation);

    /// <inheritdoc />
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        WaitForAsync(instanceId, getInputsAndOutputs, static s => s.IsTerminal, cancellation);

    /// <inheritdoc />
    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        var state = await _engine.Store.GetInstanceAsync(instanceId, includeInput: false, cancellation);
        if (state is null || !state.IsTerminal)
        {
            return new PurgeResult(0);
        }

        var purged = await _engine.Store.PurgeInstanceAsync(instanceId, cancellation) ? 1 : 0;
        if (options?.Recursive ?? true)
        {
            await foreach (var child in GetAllInstancesAsync(new OrchestrationQuery(InstanceIdPrefix: instanceId + ":")).WithCancellation(cancellation))
            {
                purged += (await PurgeInstanceAsync(child.InstanceId, options, cancellation)).PurgedInstanceCount;
            }
        }

        return new PurgeResult(purged);
    }

    /// <inheritdoc />
    public override async Task<string> RestartAsync(string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default)
    {
        var state = await _engine.Store.GetInstanceAsync(instanceId, cancellation)
            ?? throw new ArgumentException($"An orchestration with the instanceId {instanceId} was not found.", nameof(instanceId));
        var options = new StartOrchestrationOptions(restartWithNewInstanceId ? null : instanceId)
        {
            DedupeStatuses = [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended],
        };
        return await ScheduleNewOrchestrationInstanceAsync(state.Name, new RawJson(state.Input), options, cancellation);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The instance is unknown.</exception>
    /// <exception cref="InvalidOperationException">The instance is not failed.</exception>
    public override async Task RewindInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var state = await _engine.Store.GetInstanceAsync(instanceId, cancellation)
            ?? throw new ArgumentException($"No orchestration with instance ID '{instanceId}' was found.", nameof(instanceId));
        if (state.Status != OrchestrationRuntimeStatus.Failed)
        {
            throw new InvalidOperationException($"Only failed instances can be rewound; '{instanceId}' is {state.Status}.");
        }

        await SendAsync(instanceId, state.ExecutionId, new HistoryEvent { Type = HistoryEventType.ExecutionRewound, Timestamp = _engine.UtcNow(), Data = reason }, cancellation);
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Converts stored state into client metadata.</summary>
    public static OrchestrationMetadata ToMetadata(InstanceState state, bool withData)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new OrchestrationMetadata(state.Name, state.InstanceId)
        {
            RuntimeStatus = state.Status,
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedAt, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedAt, DateTimeKind.Utc)),
            SerializedInput = withData ? state.Input : null,
            SerializedOutput = withData ? state.Output : null,
            SerializedCustomStatus = withData ? state.CustomStatus : null,
            FailureDetails = state.Failure,
            Tags = state.Tags ?? new Dictionary<string, string>(),
        };
    }

    private async Task SendAsync(string instanceId, string? executionId, HistoryEvent e, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        _ = await _engine.Store.GetInstanceAsync(instanceId, includeInput: false, cancellation)
            ?? throw new ArgumentException($"No orchestration with instance ID '{instanceId}' was found.", nameof(instanceId));
        var message = new OrchestrationMessage { Id = _engine.NextId(), InstanceId = instanceId, ExecutionId = executionId, Event = e };
        await _engine.Store.SendMessagesAsync([message], cancellation);
        _engine.Route(message);
    }

    private async Task<OrchestrationMetadata> WaitForAsync(string instanceId, bool withData, Func<InstanceState, bool> done, CancellationToken cancellation)
    {
        while (true)
        {
            var changed = _engine.NextStateChange(instanceId);
            var state = await _engine.Store.GetInstanceAsync(instanceId, withData, cancellation)
                ?? throw new ArgumentException($"No orchestration with instance ID '{instanceId}' was found.", nameof(instanceId));
            if (done(state))
            {
                if (state.IsTerminal)
                {
                    _engine.ForgetStateChange(instanceId, changed);
                }

                return ToMetadata(state, withData);
            }

            await changed.WaitAsync(cancellation);
        }
    }
}

/// <summary>Thrown when starting an instance whose id is taken by an instance in a blocking status.</summary>
public sealed class InstanceAlreadyExistsException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public InstanceAlreadyExistsException(string instanceId, OrchestrationRuntimeStatus status)
        : base($"An orchestration with instance ID '{instanceId}' already exists and is {status}.")
    {
        InstanceId = instanceId;
        Status = status;
    }

    /// <summary>The contested id.</summary>
    public string InstanceId { get; }

    /// <summary>The existing instance's status.</summary>
    public OrchestrationRuntimeStatus Status { get; }
}
