using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ServerlessTasks.Tests;

/// <summary>
/// The real app on the real local host, listening on a free loopback port, with the in-memory store
/// unless a test asks for another. Started once per test class through <see cref="IClassFixture{T}"/>.
/// </summary>
public class AppHost : IAsyncLifetime
{
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public WebApplication App => _app ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _app = LocalProgram.BuildHost(
        [
            "--urls", "http://127.0.0.1:0",
            "--AzureFunctionsJobHost:extensions:durableTask:storageProvider:type", "memory",
            "--Logging:LogLevel:Default", "Warning",
            "--TaskIndex:Provider", "memory",
        ], Configure);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Lets a derived fixture change the host (e.g. a fake clock).</summary>
    protected virtual void Configure(LocalRuntime.Functions.LocalFunctionsApplicationBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Posts JSON text with a content type.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/json") =>
        Http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, contentType));

    /// <summary>Submits a workflow and returns its id (asserting 202).</summary>
    public async Task<string> SubmitAsync(string json)
    {
        using var response = await PostAsync("/api/workflows", json);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>GET /api/workflows/{id}.</summary>
    public Task<JsonElement> GetWorkflowAsync(string id) => Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}");

    /// <summary>Waits (with a deadline) until the workflow's status is no longer pending/running/suspended.</summary>
    public async Task<JsonElement> WaitForWorkflowAsync(string id, Action? whileWaiting = null, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var workflow = await GetWorkflowAsync(id);
            if (workflow.GetProperty("status").GetString() is not ("pending" or "running" or "suspended"))
            {
                return workflow;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Workflow {id} did not finish in time: {workflow}");
            whileWaiting?.Invoke();
            await Task.Delay(10);
        }
    }

    /// <summary>Waits (with a deadline) until a condition on the workflow holds.</summary>
    public async Task<JsonElement> WaitUntilAsync(string id, Func<JsonElement, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var workflow = await GetWorkflowAsync(id);
            if (condition(workflow))
            {
                return workflow;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Workflow {id} never reached the expected state: {workflow}");
            await Task.Delay(10);
        }
    }

    /// <summary>Polls a status URL until it answers 200 or the deadline passes.</summary>
    public async Task<JsonElement> PollUntilDoneAsync(string statusUrl, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            using var response = await Http.GetAsync(statusUrl);
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, $"{statusUrl} did not finish in time.");
            await Task.Delay(20);
        }
    }
}
