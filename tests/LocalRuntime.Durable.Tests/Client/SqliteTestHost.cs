using DurableTask.Core;
using LocalRuntime.Sqlite;

namespace LocalRuntime.Durable.Tests.Client;

/// <summary>Our embedded SQLite provider on a private temporary database file.</summary>
public class SqliteTestHost : DurableTestHost
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "durable-client-" + Guid.NewGuid().ToString("N")[..12]);

    public override bool SupportsRewind => false;

    protected override Task<IOrchestrationService> CreateServiceAsync(string taskHub) =>
        Task.FromResult<IOrchestrationService>(new SqliteOrchestrationService(new SqliteOrchestrationServiceOptions
        {
            DatabasePath = Path.Combine(_folder, "hub.db"),
            TaskHubName = taskHub,
            // As on the Azure Storage host: with extended sessions, DTFx's in-process entity dispatch (TaskEntity) lost
            // entity state between two quick signals on both providers (2 + 3 read back 3). This suite tests the client path.
            ExtendedSessionsEnabled = false,
        }));

    protected override async Task DisposeBackendAsync()
    {
        await Service.StopAsync(isForced: true);
        (Service as IDisposable)?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}

/// <summary>The sidecar contract on our SQLite provider.</summary>
public sealed class SqliteSidecarTests(SqliteTestHost host) : SidecarContractTests<SqliteTestHost>(host);
