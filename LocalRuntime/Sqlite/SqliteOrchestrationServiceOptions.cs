using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalRuntime.Sqlite;

/// <summary>Settings of a <see cref="SqliteOrchestrationService"/>; checked by <see cref="Validate"/> when the service is created.</summary>
public sealed class SqliteOrchestrationServiceOptions
{
    /// <summary>The lowest priority a tag may name; lower values are raised to it.</summary>
    public const int MinPriority = -1000;

    /// <summary>The highest priority a tag may name; higher values are lowered to it.</summary>
    public const int MaxPriority = 1000;

    /// <summary>The database file (created with its folder when missing). One process at a time owns a file.</summary>
    public string DatabasePath { get; set; } = Path.Combine(".data", "durabletask.db");

    /// <summary>The task hub name reported in states and matched by queries that name task hubs.</summary>
    public string TaskHubName { get; set; } = "TestHubName";

    /// <summary>The clock for timers, scheduled starts, lock expiry and timestamps the provider writes.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>For the provider's own logs; DTFx logs through the factory given to <c>TaskHubWorker</c>.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>How many orchestration work items DTFx may run at once.</summary>
    public int MaxConcurrentOrchestrationWorkItems { get; set; } = 100;

    /// <summary>How many activity work items DTFx may run at once (I/O-shaped work: not capped at the core count).</summary>
    public int MaxConcurrentActivityWorkItems { get; set; } = 1000;

    /// <summary>How many entity work items DTFx may run at once.</summary>
    public int MaxConcurrentEntityWorkItems { get; set; } = 100;

    /// <summary>How long a work item stays locked without renewal before it is handed out again (DTFx renews running ones).</summary>
    public TimeSpan WorkItemLockTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether orchestration work items carry a session, so the dispatcher keeps the instance in memory and replays only new events.</summary>
    public bool ExtendedSessionsEnabled { get; set; } = true;

    /// <summary>How long an extended session waits for new messages before it ends.</summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether entity work items come from their own queue (<c>LockNextEntityWorkItemAsync</c>), as Durable Functions dispatches them.</summary>
    public bool UseSeparateQueueForEntityWorkItems { get; set; } = true;

    /// <summary>The most entity operations DTFx runs in one entity batch.</summary>
    public int MaxEntityOperationBatchSize { get; set; } = 1000;

    /// <summary>The most work-item completions and client writes committed in one SQLite transaction.</summary>
    public int MaxWriteBatchSize { get; set; } = 512;

    /// <summary>The most read connections open at once (WAL lets them read while the writer writes).</summary>
    public int MaxReadConnections { get; set; } = 4;

    /// <summary>
    /// The longest delay before an abandoned work item is handed out again; the delay doubles with each delivery
    /// from 2 s, as Microsoft's AzureStorage provider does (which caps it at 600 s).
    /// </summary>
    public TimeSpan MaxAbandonDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many instances keep their history in memory between work items (saves a read and a parse per episode).</summary>
    public int HistoryCacheInstances { get; set; } = 2000;

    /// <summary>
    /// The orchestration tag whose integer value is an instance's priority (higher first; its activities inherit it
    /// unless their own <c>TaskScheduled</c> tags name one). Sub-orchestrations inherit it through DTFx's tag merge.
    /// </summary>
    public string PriorityTag { get; set; } = "priority";

    /// <summary>The priority of work whose tags name none (or a value that is not an integer).</summary>
    public int DefaultPriority { get; set; } = 5;

    /// <summary>
    /// How much queue time one priority level is worth: ready work of priority <c>p</c> is handed out as if ready
    /// <c>p × PriorityAgingStep</c> earlier, so lower priorities age into service (never overtaken by higher ones made
    /// ready more than <c>Δp × PriorityAgingStep</c> after them). Zero: first in, first out. Default 10 s, the
    /// app's own aging step.
    /// </summary>
    public TimeSpan PriorityAgingStep { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>synchronous=FULL</c> (an fsync per commit, safe against power loss) instead of NORMAL (safe against process crashes).</summary>
    public bool FlushEveryCommit { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DatabasePath) || DatabasePath.Trim() == ":memory:")
        {
            throw new ArgumentException("DatabasePath must name a file (in-memory databases are not durable).", nameof(DatabasePath));
        }

        if (string.IsNullOrWhiteSpace(TaskHubName))
        {
            throw new ArgumentException("TaskHubName must not be empty.", nameof(TaskHubName));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
        Positive(MaxConcurrentOrchestrationWorkItems, nameof(MaxConcurrentOrchestrationWorkItems));
        Positive(MaxConcurrentActivityWorkItems, nameof(MaxConcurrentActivityWorkItems));
        Positive(MaxConcurrentEntityWorkItems, nameof(MaxConcurrentEntityWorkItems));
        Positive(MaxEntityOperationBatchSize, nameof(MaxEntityOperationBatchSize));
        Positive(MaxWriteBatchSize, nameof(MaxWriteBatchSize));
        Positive(MaxReadConnections, nameof(MaxReadConnections));
        if (HistoryCacheInstances < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoryCacheInstances), HistoryCacheInstances, "must not be negative");
        }

        if (WorkItemLockTimeout < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(WorkItemLockTimeout), WorkItemLockTimeout, "must be at least 1 s");
        }

        if (ExtendedSessionIdleTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ExtendedSessionIdleTimeout), ExtendedSessionIdleTimeout, "must be positive");
        }

        if (string.IsNullOrEmpty(PriorityTag))
        {
            throw new ArgumentException("PriorityTag must not be empty.", nameof(PriorityTag));
        }

        if (DefaultPriority is < MinPriority or > MaxPriority)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultPriority), DefaultPriority, $"must be from {MinPriority} to {MaxPriority}");
        }

        if (PriorityAgingStep < TimeSpan.Zero || PriorityAgingStep > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(PriorityAgingStep), PriorityAgingStep, "must be from 0 to 1 day");
        }

        if (MaxAbandonDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAbandonDelay), MaxAbandonDelay, "must not be negative");
        }
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be at least 1");
        }
    }
}
