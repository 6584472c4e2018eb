using System.Diagnostics;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using DurableTask.Core.Tracing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalRuntime.Durable.Client;

/// <summary>
/// The client-side operations of the host's one task hub over DTFx's client interfaces of its backend, with Durable
/// Functions' rules (which states may be terminated, suspended, purged, restarted; how a start dedupes). The gRPC
/// sidecar (<see cref="SidecarServer"/>) and the HTTP management API both go through it, so each rule lives once.
/// </summary>
/// <remarks>
/// Failures are typed: <see cref="InstanceNotFoundException"/> (no such instance), <see cref="InvalidOperationException"/>
/// (the instance's state forbids it), <see cref="ArgumentException"/> (bad request),
/// <see cref="NotSupportedException"/> (the backend cannot), <see cref="OrchestrationAlreadyExistsException"/>.
/// </remarks>
public sealed partial class DurableClientService
{
    /// <summary>The tag Durable puts on a restarted instance that got a new id.</summary>
    internal const string SourceInstanceIdTag = "MS_DurableFunctions_SourceInstanceId";

    /// <summary>The ActivitySource of the sidecar's client spans (<c>create_orchestration:{name}</c>).</summary>
    public const string TracingSourceName = "LocalRuntime.Durable.Client";

    private static readonly ActivitySource Tracing = new(TracingSourceName);

    // Every DTFx status, as Durable's start derives dedupe statuses from the reuse policy against all of them.
    private static readonly OrchestrationStatus[] AllStatuses = Enum.GetValues<OrchestrationStatus>();

    private static readonly OrchestrationStatus[] NonRunningDedupe =
        [OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Pending, OrchestrationStatus.Suspended];

    private readonly ILogger _logger;

    /// <summary>
    /// Serves <paramref name="service"/>, which must also implement <see cref="IOrchestrationServiceClient"/> (both our
    /// backends do); the query, purge and entity interfaces are used where it implements them.
    /// </summary>
    public DurableClientService(IOrchestrationService service, DurableClientOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TaskHubName);
        Service = service;
        Client = service as IOrchestrationServiceClient
            ?? throw new ArgumentException($"{service.GetType().Name} does not implement {nameof(IOrchestrationServiceClient)}.", nameof(service));
        QueryClient = service as IOrchestrationServiceQueryClient;
        PurgeClient = service as IOrchestrationServicePurgeClient;
        EntityService = service as IEntityOrchestrationService is { EntityBackendProperties: not null, EntityBackendQueries: not null } entities ? entities : null;
        Options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DurableClientService>();
    }

    /// <summary>The options it serves with.</summary>
    public DurableClientOptions Options { get; }

    internal IOrchestrationService Service { get; }

    internal IOrchestrationServiceClient Client { get; }

    internal IOrchestrationServiceQueryClient? QueryClient { get; }

    internal IOrchestrationServicePurgeClient? PurgeClient { get; }

    internal IEntityOrchestrationService? EntityService { get; }

    internal TimeProvider Time => Options.TimeProvider;

    /// <summary>Running, Pending, Suspended or ContinuedAsNew: what Durable may terminate or send events to.</summary>
    internal static bool IsRunning(OrchestrationStatus status) =>
        status is OrchestrationStatus.Running or OrchestrationStatus.Pending or OrchestrationStatus.Suspended or OrchestrationStatus.ContinuedAsNew;

    /// <summary>The latest execution of an instance, or null.</summary>
    internal async Task<OrchestrationState?> GetStateAsync(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var state = await Client.GetOrchestrationStateAsync(instanceId, executionId: null);
        return state?.OrchestrationInstance is null ? null : state;
    }

    /// <summary>
    /// The latest execution of an instance without its input, or null. A status read of a large workflow then costs its
    /// row, not its input (a 10,000-task DAG's input is about 700 KB, read and allocated on every poll otherwise). With
    /// <paramref name="withOutput"/> a finished instance's output is kept (Durable's HTTP status always shows it). Only our
    /// SQLite provider can leave the input out; other backends return it and it is dropped here.
    /// </summary>
    internal async Task<OrchestrationState?> GetStateWithoutInputAsync(string instanceId, bool withOutput)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var state = Client is LocalRuntime.Sqlite.SqliteOrchestrationService sqlite
            ? await sqlite.GetStateAsync(instanceId, withInput: false)
            : await GetStateAsync(instanceId);
        if (state?.OrchestrationInstance is null)
        {
            return null;
        }

        if (withOutput && state.Output is null && !IsRunning(state.OrchestrationStatus))
        {
            // Finished: read it once more with its output (the provider reads input and output together).
            state = await GetStateAsync(instanceId) ?? state;
        }
        else if (!withOutput)
        {
            state.Output = null;
        }

        state.Input = null;
        return state;
    }

    internal async Task<OrchestrationState> GetExistingStateAsync(string instanceId) =>
        await GetStateAsync(instanceId) ?? throw InstanceNotFoundException.For(instanceId);

    /// <summary>
    /// Dedupe statuses for a start: with no reuse policy every status may be replaced; with one, every status it does
    /// not list as replaceable is kept (ContinuedAsNew always, as the client never lists it); plus the host's
    /// <see cref="DurableClientOptions.OverrideOnlyNonRunningInstances"/> states.
    /// </summary>
    internal OrchestrationStatus[] DedupeStatuses(IEnumerable<OrchestrationStatus>? replaceable)
    {
        var kept = replaceable is null ? [] : AllStatuses.Except(replaceable);
        return Options.OverrideOnlyNonRunningInstances ? kept.Union(NonRunningDedupe).ToArray() : kept.ToArray();
    }

    /// <summary>
    /// Starts an instance by writing its <see cref="ExecutionStartedEvent"/> with the input exactly as given (already
    /// JSON), as Durable's own start does; <see cref="TaskHubClient"/> would serialize it a second time.
    /// </summary>
    internal async Task<string> StartAsync(StartInstance start, OrchestrationStatus[] dedupeStatuses)
    {
        ArgumentException.ThrowIfNullOrEmpty(start.Name);
        if (start.Tags?.ContainsKey(SourceInstanceIdTag) == true && !start.AllowSourceTag)
        {
            throw new ArgumentException($"The tag key '{SourceInstanceIdTag}' is reserved for internal use.", nameof(start));
        }

        var instance = new OrchestrationInstance
        {
            InstanceId = string.IsNullOrEmpty(start.InstanceId) ? Guid.NewGuid().ToString("N") : start.InstanceId,
            ExecutionId = Guid.NewGuid().ToString(),
        };
        var started = new ExecutionStartedEvent(-1, start.Input)
        {
            Name = start.Name,
            Version = start.Version ?? Options.DefaultVersion ?? string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = start.ScheduledStartTime,
            Tags = start.Tags is { Count: > 0 } tags ? new Dictionary<string, string>(tags) : null,
        };

        ActivityContext.TryParse(start.TraceParent, start.TraceState, out var parent);
        using (var activity = Tracing.StartActivity($"create_orchestration:{start.Name}", ActivityKind.Producer, parent))
        {
            activity?.SetTag("durabletask.task.instance_id", instance.InstanceId);
            if (activity is not null)
            {
                started.ParentTraceContext = new DistributedTraceContext(activity.Id!, activity.TraceStateString);
            }
            else if (!string.IsNullOrEmpty(start.TraceParent))
            {
                // Nobody listens here: pass the caller's context through so the orchestration still joins its trace.
                started.ParentTraceContext = new DistributedTraceContext(start.TraceParent, start.TraceState);
            }

            await Client.CreateTaskOrchestrationAsync(new TaskMessage { Event = started, OrchestrationInstance = instance }, dedupeStatuses);
        }

        Log.Started(_logger, start.Name, instance.InstanceId);
        return instance.InstanceId;
    }

    /// <summary>Raises an event on a running instance (Durable checks the status first on Azure Storage; we always do).</summary>
    internal async Task RaiseEventAsync(string instanceId, string eventName, string? input)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        var state = await GetExistingStateAsync(instanceId);
        if (!IsRunning(state.OrchestrationStatus))
        {
            throw new InvalidOperationException($"Cannot raise event {eventName} for orchestration instance {instanceId} because instance is in {state.OrchestrationStatus} state");
        }

        await Client.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new EventRaisedEvent(-1, input) { Name = eventName },
        });
    }

    /// <summary>Terminates a running instance; <paramref name="recursive"/> also its running sub-orchestrations.</summary>
    internal async Task TerminateAsync(string instanceId, string? reason, bool recursive)
    {
        var state = await GetExistingStateAsync(instanceId);
        if (!IsRunning(state.OrchestrationStatus))
        {
            throw new InvalidOperationException($"Cannot terminate the orchestration instance {instanceId} because instance is in the {state.OrchestrationStatus} state.");
        }

        // Read the children before the termination lands, while the history still holds them as running.
        var children = recursive ? await GetSubOrchestrationsAsync(state, unfinishedOnly: true) : [];
        await Client.ForceTerminateTaskOrchestrationAsync(instanceId, reason);
        Log.Terminated(_logger, instanceId);
        foreach (var child in children)
        {
            try
            {
                await TerminateAsync(child, reason, recursive: true);
            }
            catch (Exception e) when (e is InstanceNotFoundException or InvalidOperationException)
            {
                // The child finished (or was purged) meanwhile: nothing left to terminate.
            }
        }
    }

    /// <summary>Suspends a Running, Pending or ContinuedAsNew instance.</summary>
    internal async Task SuspendAsync(string instanceId, string? reason)
    {
        var state = await GetExistingStateAsync(instanceId);
        if (state.OrchestrationStatus is not (OrchestrationStatus.Running or OrchestrationStatus.Pending or OrchestrationStatus.ContinuedAsNew))
        {
            throw new InvalidOperationException($"Cannot suspend the orchestration instance {instanceId} because instance is in the {state.OrchestrationStatus} state.");
        }

        await Client.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionSuspendedEvent(-1, reason),
        });
    }

    /// <summary>Resumes a Suspended instance.</summary>
    internal async Task ResumeAsync(string instanceId, string? reason)
    {
        var state = await GetExistingStateAsync(instanceId);
        if (state.OrchestrationStatus != OrchestrationStatus.Suspended)
        {
            throw new InvalidOperationException($"Cannot resume the orchestration instance {instanceId} because instance is in the {state.OrchestrationStatus} state.");
        }

        await Client.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionResumedEvent(-1, reason),
        });
    }

    /// <summary>Rewinds a Failed instance where the backend can.</summary>
    internal async Task RewindAsync(string instanceId, string? reason)
    {
        var state = await GetExistingStateAsync(instanceId);
        if (state.OrchestrationStatus != OrchestrationStatus.Failed)
        {
            throw new InvalidOperationException("The rewind operation is only supported on failed orchestration instances.");
        }

        if (Options.Rewind is { } rewind)
        {
            await rewind(instanceId, reason ?? string.Empty);
        }
        else if (Service is AzureStorageOrchestrationService azureStorage)
        {
            await azureStorage.RewindTaskOrchestrationAsync(instanceId, reason ?? string.Empty);
        }
        else
        {
            throw new NotSupportedException($"Rewind is not supported by the storage backend '{Service.GetType().Name}'.");
        }
    }

    /// <summary>
    /// Starts the instance again with its name and input (Durable's restart): under the same id, or a new one that
    /// carries the source id as a tag.
    /// </summary>
    internal Task<string> RestartAsync(string instanceId, bool restartWithNewInstanceId) =>
        RestartAsync(instanceId, restartWithNewInstanceId ? Guid.NewGuid().ToString("N") : instanceId, version: null);

    /// <summary>Restarts under <paramref name="newInstanceId"/> (validated as Durable validates new ids), optionally as another version.</summary>
    internal async Task<string> RestartAsync(string instanceId, string newInstanceId, string? version)
    {
        ValidateNewInstanceId(newInstanceId);
        var state = await GetExistingStateAsync(instanceId);
        var newId = newInstanceId;
        var tags = state.Tags;
        if (!string.Equals(instanceId, newInstanceId, StringComparison.Ordinal))
        {
            tags = state.Tags is null ? new Dictionary<string, string>() : new Dictionary<string, string>(state.Tags);
            tags[SourceInstanceIdTag] = instanceId;
        }
        else if (state.ParentInstance is not null && state.Tags?.ContainsKey(SourceInstanceIdTag) == true)
        {
            var copy = new Dictionary<string, string>(state.Tags);
            copy.Remove(SourceInstanceIdTag);
            tags = copy.Count == 0 ? null : copy;
        }

        return await StartAsync(
            new StartInstance(state.Name, newId, state.Input) { Version = version, Tags = tags?.AsReadOnly(), AllowSourceTag = true },
            DedupeStatuses(replaceable: null));
    }

    private static void ValidateNewInstanceId(string newInstanceId)
    {
        if (string.IsNullOrWhiteSpace(newInstanceId))
        {
            throw new ArgumentException("A new orchestration instance ID must be provided.", nameof(newInstanceId));
        }

        if (newInstanceId.StartsWith('@'))
        {
            throw new ArgumentException("Orchestration instance IDs must not start with @.", nameof(newInstanceId));
        }

        if (newInstanceId.Any(c => c is '/' or '\\' or '?' or '#' || char.IsControl(c)))
        {
            throw new ArgumentException("Orchestration instance IDs must not contain /, \\, #, ?, or control characters.", nameof(newInstanceId));
        }

        if (newInstanceId.Length > 256)
        {
            throw new ArgumentException("Instance ID lengths must not exceed 256 characters.", nameof(newInstanceId));
        }
    }

    /// <summary>
    /// Purges a finished (Completed, Failed, Terminated) instance; an unknown id purges nothing.
    /// <paramref name="recursive"/> also purges its sub-orchestrations.
    /// </summary>
    internal async Task<PurgeResult> PurgeAsync(string instanceId, bool recursive, bool checkState = true)
    {
        var purge = PurgeClient ?? throw new NotSupportedException($"Purge is not supported by the storage backend '{Service.GetType().Name}'.");
        IReadOnlyList<string> children = [];
        if (checkState)
        {
            var state = await GetStateAsync(instanceId);
            if (state is null)
            {
                return new PurgeResult(0);
            }

            if (state.OrchestrationStatus is not (OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated))
            {
                throw new InvalidOperationException($"Only orchestrations in a terminal state can be purged, but the orchestration with instance ID {instanceId} has status {state.OrchestrationStatus}");
            }

            children = recursive ? await GetSubOrchestrationsAsync(state, unfinishedOnly: false) : [];
        }

        var result = await purge.PurgeInstanceStateAsync(instanceId);
        var deleted = result.DeletedInstanceCount;
        foreach (var child in children)
        {
            try
            {
                deleted += (await PurgeAsync(child, recursive: true)).DeletedInstanceCount;
            }
            catch (InvalidOperationException)
            {
                // A child still running outlives its parent's purge, as it would without recursion.
            }
        }

        return new PurgeResult(deleted, result.IsComplete);
    }

    /// <summary>Purges every instance the filter matches; <paramref name="recursive"/> also their sub-orchestrations.</summary>
    internal async Task<PurgeResult> PurgeAsync(PurgeInstanceFilter filter, bool recursive, CancellationToken cancellation)
    {
        var purge = PurgeClient ?? throw new NotSupportedException($"Purge is not supported by the storage backend '{Service.GetType().Name}'.");
        var children = new List<string>();
        if (recursive && QueryClient is { } query)
        {
            var page = new OrchestrationQuery
            {
                CreatedTimeFrom = filter.CreatedTimeFrom,
                CreatedTimeTo = filter.CreatedTimeTo,
                RuntimeStatus = filter.RuntimeStatus?.ToList(),
                PageSize = 1000,
                ExcludeEntities = true,
            };
            do
            {
                var result = await query.GetOrchestrationWithQueryAsync(page, cancellation);
                foreach (var state in result.OrchestrationState)
                {
                    children.AddRange(await GetSubOrchestrationsAsync(state, unfinishedOnly: false));
                }

                page.ContinuationToken = result.ContinuationToken;
            }
            while (!string.IsNullOrEmpty(page.ContinuationToken));
        }

        var purged = await purge.PurgeInstanceStateAsync(filter);
        var deleted = purged.DeletedInstanceCount;
        foreach (var child in children)
        {
            try
            {
                deleted += (await PurgeAsync(child, recursive: true)).DeletedInstanceCount;
            }
            catch (InvalidOperationException)
            {
                // As above: a running child is not purged.
            }
        }

        return new PurgeResult(deleted, purged.IsComplete);
    }

    /// <summary>Instances matching the query (entities excluded, as Durable does for orchestration queries).</summary>
    internal Task<OrchestrationQueryResult> QueryAsync(OrchestrationQuery query, CancellationToken cancellation)
    {
        var client = QueryClient ?? throw new NotSupportedException($"Queries are not supported by the storage backend '{Service.GetType().Name}'.");
        return client.GetOrchestrationWithQueryAsync(query, cancellation);
    }

    /// <summary>The history of the state's execution as the backend's JSON (what Durable's status API shows).</summary>
    internal Task<string> GetHistoryJsonAsync(OrchestrationState state) =>
        Client.GetOrchestrationHistoryAsync(state.OrchestrationInstance.InstanceId, state.OrchestrationInstance.ExecutionId);

    /// <summary>The history of the instance's latest execution as typed events.</summary>
    internal async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(OrchestrationState state) =>
        HistoryJson.Parse(await GetHistoryJsonAsync(state));

    /// <summary>Waits until the instance has left Pending (or exists at all), polling with a short, growing interval.</summary>
    internal async Task<OrchestrationState> WaitForStartAsync(string instanceId, CancellationToken cancellation)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (await GetStateAsync(instanceId) is { } state && state.OrchestrationStatus != OrchestrationStatus.Pending)
            {
                return state;
            }

            await Task.Delay(delay, Time, cancellation);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }

    /// <summary>Waits (as the backend does it: event-driven where it can) until the instance finishes; null if it never appeared.</summary>
    internal async Task<OrchestrationState?> WaitForCompletionAsync(string instanceId, CancellationToken cancellation)
    {
        var state = await Client.WaitForOrchestrationAsync(instanceId, executionId: null, Timeout.InfiniteTimeSpan, cancellation);
        cancellation.ThrowIfCancellationRequested();
        return state?.OrchestrationInstance is null ? null : state;
    }

    /// <summary>Creates the task hub's storage (the gRPC <c>CreateTaskHub</c> call).</summary>
    internal Task CreateTaskHubAsync(bool recreateIfExists) => Service.CreateAsync(recreateIfExists);

    /// <summary>Deletes the task hub's storage (the gRPC <c>DeleteTaskHub</c> call).</summary>
    internal Task DeleteTaskHubAsync() => Service.DeleteAsync();

    private async Task<IReadOnlyList<string>> GetSubOrchestrationsAsync(OrchestrationState state, bool unfinishedOnly)
    {
        var history = await GetHistoryAsync(state);
        var finished = history
            .Select(e => e switch
            {
                SubOrchestrationInstanceCompletedEvent c => c.TaskScheduledId,
                SubOrchestrationInstanceFailedEvent f => f.TaskScheduledId,
                _ => -1,
            })
            .Where(id => id >= 0)
            .ToHashSet();
        return history
            .OfType<SubOrchestrationInstanceCreatedEvent>()
            .Where(c => !string.IsNullOrEmpty(c.InstanceId) && !(unfinishedOnly && finished.Contains(c.EventId)))
            .Select(c => c.InstanceId)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "Started orchestration {Name} as {InstanceId}")]
        public static partial void Started(ILogger logger, string name, string instanceId);

        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Terminating orchestration {InstanceId}")]
        public static partial void Terminated(ILogger logger, string instanceId);
    }
}
