using LocalRuntime.Durable.Engine;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Durable.Stores;

/// <summary>
/// Where a task hub keeps instances, histories and pending work. Every provider (in-memory, SQLite,
/// Azure Storage) passes the same conformance suite.
/// </summary>
/// <remarks>
/// Contract: <see cref="CommitCheckpointAsync"/> is atomic per instance; <see cref="CompleteActivityAsync"/>
/// commits an activity's result at most once (a second completion of the same work item returns false
/// and changes nothing); messages stay stored until the checkpoint that consumes them commits.
/// </remarks>
public interface IDurableStore : IAsyncDisposable
{
    /// <summary>The provider's name, for diagnostics.</summary>
    string ProviderName { get; }

    /// <summary>Creates tables/files as needed.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>
    /// Creates an instance and stores its start message atomically. When an instance with the id exists
    /// and its status is in <paramref name="blockingStatuses"/>, nothing changes and the existing state is
    /// returned; otherwise the old instance (state, history, pending work) is replaced.
    /// </summary>
    Task<CreateInstanceResult> CreateInstanceAsync(
        InstanceState state,
        OrchestrationMessage startMessage,
        IReadOnlyCollection<OrchestrationRuntimeStatus> blockingStatuses,
        CancellationToken cancellation = default);

    /// <summary>Reads an instance's state; null when unknown.</summary>
    Task<InstanceState?> GetInstanceAsync(string instanceId, CancellationToken cancellation = default);

    /// <summary>
    /// Reads an instance's state, leaving out its input (which may be large) unless asked for: status
    /// polls need none of it. Stores that hold the input in memory may return it anyway.
    /// </summary>
    Task<InstanceState?> GetInstanceAsync(string instanceId, bool includeInput, CancellationToken cancellation = default) =>
        GetInstanceAsync(instanceId, cancellation);

    /// <summary>Reads an instance's history (current execution) in order.</summary>
    Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellation = default);

    /// <summary>Lists instances matching a filter, ordered by instance id, one page at a time.</summary>
    Task<InstancePage> QueryInstancesAsync(InstanceFilter filter, CancellationToken cancellation = default);

    /// <summary>Deletes an instance's state, history and pending messages; false when unknown.</summary>
    Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellation = default);

    /// <summary>Stores messages to instances (raised events, terminate, suspend...).</summary>
    Task SendMessagesAsync(IReadOnlyList<OrchestrationMessage> messages, CancellationToken cancellation = default);

    /// <summary>Deletes messages that can never be processed (their instance is gone or finished).</summary>
    Task DiscardMessagesAsync(IReadOnlyList<long> messageIds, CancellationToken cancellation = default);

    /// <summary>
    /// Commits one orchestration episode atomically. The state's input is written only when
    /// <see cref="OrchestrationCheckpoint.ReplaceHistory"/> is set (a new execution); within an execution the
    /// stored input is kept, so large inputs are not rewritten on every episode.
    /// </summary>
    Task CommitCheckpointAsync(OrchestrationCheckpoint checkpoint, CancellationToken cancellation = default);

    /// <summary>
    /// Deletes a finished activity work item and stores its result message, atomically. Returns false,
    /// storing nothing, when the work item is already gone (a duplicate execution).
    /// </summary>
    Task<bool> CompleteActivityAsync(long workItemId, OrchestrationMessage result, CancellationToken cancellation = default);

    /// <summary>Everything not yet consumed: loaded once when the engine starts, to resume work.</summary>
    Task<PendingWork> LoadPendingWorkAsync(CancellationToken cancellation = default);
}

/// <summary>The outcome of <see cref="IDurableStore.CreateInstanceAsync"/>.</summary>
/// <param name="Created">Whether the instance was created.</param>
/// <param name="Existing">The blocking instance, when not created.</param>
public sealed record CreateInstanceResult(bool Created, InstanceState? Existing);

/// <summary>A filter for listing instances.</summary>
public sealed record InstanceFilter(
    DateTime? CreatedFrom = null,
    DateTime? CreatedTo = null,
    IReadOnlyCollection<OrchestrationRuntimeStatus>? Statuses = null,
    string? InstanceIdPrefix = null,
    int PageSize = 100,
    string? ContinuationToken = null);

/// <summary>One page of instances.</summary>
/// <param name="Instances">The instances.</param>
/// <param name="ContinuationToken">Continues after this page; null on the last.</param>
public sealed record InstancePage(IReadOnlyList<InstanceState> Instances, string? ContinuationToken);

/// <summary>Unconsumed messages and unfinished activities.</summary>
/// <param name="Messages">Messages to instances, in id order.</param>
/// <param name="Activities">Activity work items, in id order.</param>
/// <param name="MaxId">The largest message or work item id ever stored (ids continue above it).</param>
public sealed record PendingWork(IReadOnlyList<OrchestrationMessage> Messages, IReadOnlyList<ActivityWorkItem> Activities, long MaxId);
