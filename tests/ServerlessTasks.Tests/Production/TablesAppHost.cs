using ServerlessTasks.Testing;

namespace ServerlessTasks.Tests.Production;

/// <summary>
/// The app with its task index, event journal and callback store on Azure Tables (<c>TaskIndex__Provider=tables</c>) in
/// an Azurite of its own, through a named connection (<c>TaskIndex__Connection</c>) so the host's own storage settings
/// stay untouched. The Durable task hub stays on the host's SQLite backend.
/// </summary>
public sealed class TablesAppHost : AppHost
{
    public const string Prefix = "stapp";

    public AzuriteFixture Azurite { get; } = new();

    public override async Task InitializeAsync()
    {
        await ((IAsyncLifetime)Azurite).InitializeAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("TaskIndex__Provider", "tables"),
        new("TaskIndex__Connection", "AppTables"),
        new("TaskIndex__TablePrefix", Prefix),
        new("AppTables", Azurite.ConnectionString),
    ];
}
