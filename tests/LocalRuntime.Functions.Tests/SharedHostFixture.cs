namespace LocalRuntime.Functions.Tests;

/// <summary>One host (and worker) for a test class whose tests only read: started once, disposed after the class.</summary>
public sealed class SharedHostFixture : IAsyncLifetime
{
    private TestHost? _host;

    public TestHost App => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
