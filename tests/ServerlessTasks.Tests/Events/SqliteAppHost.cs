using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ServerlessTasks.Tests.Events;

/// <summary>The real app on SQLite stores in one folder, started and stopped by the test (restarts reuse the files).</summary>
public sealed class SqliteAppHost : IAsyncDisposable
{
    private WebApplication? _app;

    private SqliteAppHost(string folder) => Folder = folder;

    public string Folder { get; }

    public HttpClient Http { get; private set; } = null!;

    public IServiceProvider Services => (_app ?? throw new InvalidOperationException("Not started.")).Services;

    public static async Task<SqliteAppHost> StartAsync(string folder, params string[] extra)
    {
        var host = new SqliteAppHost(folder);
        host._app = LocalProgram.BuildHost(
        [
            "--urls", "http://127.0.0.1:0",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:type", "sqlite",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:path", Path.Combine(folder, "d.db"),
            "--Logging:LogLevel:Default", "Warning",
            "--TaskIndex:Provider", "sqlite",
            "--TaskIndex:Path", Path.Combine(folder, "t.db"),
            "--Webhooks:StorePath", Path.Combine(folder, "c.db"),
            .. extra,
        ]);
        await host._app.StartAsync();
        var address = host._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }
}
