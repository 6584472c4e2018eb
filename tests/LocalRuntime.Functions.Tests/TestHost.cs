using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Tests;

/// <summary>An in-process host running HostTestApp's real worker, on a free loopback port; its logs captured.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private TestHost(LocalFunctionsHost host, TestLogs logs)
    {
        Host = host;
        Logs = logs;
        Http = new HttpClient(new LogsOnFailure(logs)) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public LocalFunctionsHost Host { get; }

    public TestLogs Logs { get; }

    public HttpClient Http { get; }

    /// <summary>Builds and starts a host; <paramref name="configure"/> adds settings, services, extensions.</summary>
    public static async Task<TestHost> StartAsync(Action<LocalFunctionsHostBuilder>? configure = null, params string[] args)
    {
        var logs = new TestLogs();

        // "--test-app <folder>" runs another app folder (a modified copy) instead of HostTestApp's build output.
        var appDirectory = TestPaths.HostTestApp;
        var index = Array.IndexOf(args, "--test-app");
        if (index >= 0)
        {
            appDirectory = args[index + 1];
            args = [.. args[..index], .. args[(index + 2)..]];
        }

        var builder = LocalFunctionsHost.CreateBuilder(appDirectory, ["--urls", "http://127.0.0.1:0", .. args]);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        configure?.Invoke(builder);
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException($"The host did not start: {ex.Message}{Environment.NewLine}{logs.Tail()}", ex);
        }

        return new TestHost(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>A request that fails at the transport (a reset connection, say) carries the host's last log lines, so a failure in CI explains itself.</summary>
    private sealed class LogsOnFailure(TestLogs logs) : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (response.Content is { } content)
                {
                    // Buffered here so a body cut off by the host fails inside this handler, with the logs attached.
                    await content.LoadIntoBufferAsync(cancellationToken);
                }

                return response;
            }
            catch (HttpRequestException ex)
            {
                throw new HttpRequestException($"{request.Method} {request.RequestUri} failed: {ex.Message}{Environment.NewLine}Host log tail:{Environment.NewLine}{logs.Tail()}", ex, ex.StatusCode);
            }
        }
    }
}
