using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;

namespace Microsoft.DurableTask;

/// <summary>
/// What an orchestrator function sees of its orchestration.
/// </summary>
/// <remarks>
/// Orchestrator code is replayed from its history and must therefore be deterministic: take time from
/// <see cref="CurrentUtcDateTime"/>, GUIDs from <see cref="NewGuid"/>, wait with <see cref="CreateTimer(DateTime, CancellationToken)"/>,
/// do I/O only in activities, and never use <c>Task.Run</c>, <c>Task.Delay</c> or <c>ConfigureAwait(false)</c>.
/// </remarks>
public abstract class TaskOrchestrationContext
{
    /// <summary>The orchestrator's name.</summary>
    public abstract TaskName Name { get; }

    /// <summary>The instance id.</summary>
    public abstract string InstanceId { get; }

    /// <summary>The parent orchestration, for a sub-orchestration.</summary>
    public abstract ParentOrchestrationInstance? Parent { get; }

    /// <summary>The replay-safe current time (the time of the current orchestration episode).</summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>Whether the code is being replayed from history.</summary>
    public abstract bool IsReplaying { get; }

    /// <summary>The orchestration's version.</summary>
    public virtual string Version => string.Empty;

    /// <summary>Entity operations from within the orchestration.</summary>
    public virtual TaskOrchestrationEntityFeature Entities =>
        throw new NotSupportedException($"Durable entities are not supported by {GetType().Name}.");

    /// <summary>The logger factory behind the replay-safe loggers.</summary>
    protected abstract ILoggerFactory LoggerFactory { get; }

    /// <summary>The orchestration's input, deserialized.</summary>
    public abstract T? GetInput<T>();

    /// <summary>Schedules an activity and returns its result.</summary>
    public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

    /// <summary>Schedules an activity with options and returns its result.</summary>
    public virtual Task<TResult> CallActivityAsync<TResult>(TaskName name, TaskOptions options) =>
        CallActivityAsync<TResult>(name, null, options);

    /// <summary>Schedules an activity.</summary>
    public Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) =>
        CallActivityAsync<object>(name, input, options);

    /// <summary>Schedules an activity with options.</summary>
    public Task CallActivityAsync(TaskName name, TaskOptions options) => CallActivityAsync<object>(name, null, options);

    /// <summary>Starts a sub-orchestration and returns its output.</summary>
    public abstract Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null);

    /// <summary>Starts a sub-orchestration with options and returns its output.</summary>
    public virtual Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, TaskOptions options) =>
        CallSubOrchestratorAsync<TResult>(orchestratorName, null, options);

    /// <summary>Starts a sub-orchestration.</summary>
    public Task CallSubOrchestratorAsync(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        CallSubOrchestratorAsync<object>(orchestratorName, input, options);

    /// <summary>Starts a sub-orchestration with options.</summary>
    public Task CallSubOrchestratorAsync(TaskName orchestratorName, TaskOptions options) =>
        CallSubOrchestratorAsync<object>(orchestratorName, null, options);

    /// <summary>A durable timer that fires at <paramref name="fireAt"/> (UTC).</summary>
    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>A durable timer that fires after <paramref name="delay"/>.</summary>
    public virtual Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) =>
        CreateTimer(CurrentUtcDateTime.Add(delay), cancellationToken);

    /// <summary>Waits for an external event; events raised before the wait are buffered.</summary>
    public abstract Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>Waits for an external event for at most <paramref name="timeout"/>; throws <see cref="TaskCanceledException"/> on timeout.</summary>
    public Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout) =>
        WaitForExternalEvent<T>(eventName, timeout, CancellationToken.None);

    /// <summary>Waits for an external event for at most <paramref name="timeout"/>, or until cancelled.</summary>
    public async Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return await WaitForExternalEvent<T>(eventName, cancellationToken);
        }

        using var timerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var waitCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var eventTask = WaitForExternalEvent<T>(eventName, waitCancellation.Token);
        var timerTask = CreateTimer(CurrentUtcDateTime.Add(timeout), timerCancellation.Token);
        var winner = await Task.WhenAny(eventTask, timerTask);
        if (winner == eventTask)
        {
            timerCancellation.Cancel();
            return await eventTask;
        }

        waitCancellation.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
        throw new TaskCanceledException($"Timed out after {timeout} waiting for external event '{eventName}'.");
    }

    /// <summary>Sends an event to another orchestration instance.</summary>
    public abstract void SendEvent(string instanceId, string eventName, object payload);

    /// <summary>Sets the status visible to clients while the orchestration runs.</summary>
    public abstract void SetCustomStatus(object? customStatus);

    /// <summary>Restarts the orchestration with new input and an empty history when the current code returns.</summary>
    public abstract void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

    /// <summary>A GUID that is the same on every replay of this instance.</summary>
    public abstract Guid NewGuid();

    /// <summary>A logger that is silent while the code replays.</summary>
    public ILogger CreateReplaySafeLogger(string categoryName) =>
        new ReplaySafeLogger(this, LoggerFactory.CreateLogger(categoryName));

    /// <summary>A logger that is silent while the code replays.</summary>
    public ILogger CreateReplaySafeLogger(Type type) => new ReplaySafeLogger(this, LoggerFactory.CreateLogger(type));

    /// <summary>A logger that is silent while the code replays.</summary>
    public ILogger CreateReplaySafeLogger<T>() => CreateReplaySafeLogger(typeof(T));

    private sealed class ReplaySafeLogger(TaskOrchestrationContext context, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!context.IsReplaying)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
