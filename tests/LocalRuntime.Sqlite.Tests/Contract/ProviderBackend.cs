using DurableTask.AzureStorage;
using DurableTask.Core;
using ServerlessTasks.Testing;

namespace LocalRuntime.Sqlite.Tests.Contract;

/// <summary>One backend under the contract: makes services over the same storage (a new one after a restart).</summary>
public abstract class ProviderBackend : IAsyncDisposable
{
    /// <summary>A service over this backend's storage (the same storage each call).</summary>
    public abstract IOrchestrationService CreateService();

    /// <summary>How long lost work takes to come back after a restart (Azure Storage keeps queue messages invisible until their visibility timeout).</summary>
    public abstract TimeSpan RedeliveryDelay { get; }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Our provider on a fresh temporary file.</summary>
public sealed class SqliteBackend : ProviderBackend
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sqlite-contract-" + Guid.NewGuid().ToString("N")[..12]);

    public string DatabasePath => Path.Combine(_folder, "hub.db");

    public override TimeSpan RedeliveryDelay => TimeSpan.Zero;

    public override IOrchestrationService CreateService() => new SqliteOrchestrationService(new SqliteOrchestrationServiceOptions
    {
        DatabasePath = DatabasePath,
        TaskHubName = "contract",
        ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(5),
    });

    public override ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        return base.DisposeAsync();
    }
}

/// <summary>Microsoft's AzureStorage provider on Azurite, a task hub of its own, polling at most every second.</summary>
public sealed class AzureStorageBackend(AzuriteFixture azurite) : ProviderBackend
{
    private readonly string _taskHub = "t" + Guid.NewGuid().ToString("N")[..12];

    // One worker id for every service of this backend: a restarted one takes its own partition lease back at once.
    private readonly string _workerId = "contract-" + Guid.NewGuid().ToString("N")[..6];

    public override TimeSpan RedeliveryDelay => TimeSpan.FromSeconds(10);

    public override IOrchestrationService CreateService() => new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
    {
        StorageAccountClientProvider = new StorageAccountClientProvider(azurite.ConnectionString),
        TaskHubName = _taskHub,
        MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
        PartitionCount = 1,
        ThrowExceptionOnInvalidDedupeStatus = true,
        UseSeparateQueueForEntityWorkItems = true,
        ExtendedSessionsEnabled = true,
        ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(5),
        WorkItemQueueVisibilityTimeout = RedeliveryDelay,
        ControlQueueVisibilityTimeout = RedeliveryDelay,
        MaxConcurrentTaskActivityWorkItems = 100,
        WorkerId = _workerId,
    });
}
