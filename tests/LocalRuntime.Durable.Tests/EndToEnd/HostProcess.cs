using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Testing;

namespace LocalRuntime.Durable.Tests.EndToEnd;

/// <summary>Our host exe (<c>LocalRuntime.Host</c>) running DurableTestApp as a child process: what a user runs, killable with SIGKILL.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private HostProcess(ChildProcess child) => Child = child;

    public ChildProcess Child { get; }

    public HttpClient Http => Child.Http;

    /// <summary>Starts the host on <paramref name="port"/> with <paramref name="dataPath"/> as its data folder; settings as <c>--key value</c> pairs.</summary>
    public static async Task<HostProcess> StartAsync(int port, string dataPath, string activityLog, int activityDelayMs, params string[] settings)
    {
        var start = ChildProcess.DotnetStart(TestPaths.HostExecutable, dataPath);
        foreach (var argument in (string[])[TestPaths.DurableTestApp, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--LocalRuntime:DataPath", dataPath, .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TESTAPP_ACTIVITY_LOG"] = activityLog;
        start.Environment["TESTAPP_ACTIVITY_DELAY_MS"] = activityDelayMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var child = await ChildProcess.StartAsync(start, port, "/runtime/webhooks/durabletask/instances?top=1", TimeSpan.FromSeconds(120));
        return new HostProcess(child);
    }

    /// <summary>SIGKILL to the host process alone (not its children: the worker must die with its host by itself).</summary>
    public void KillHostOnly()
    {
        using var process = Process.GetProcessById(Child.ProcessId);
        process.Kill(entireProcessTree: false);
        Assert.True(process.WaitForExit(10_000), "the killed host did not exit");
    }

    public async Task<string> StartOrchestrationAsync(string name, object? input, string id)
    {
        using var response = await Http.PostAsJsonAsync($"/api/start/{name}?id={Uri.EscapeDataString(id)}", input);
        Assert.True(response.IsSuccessStatusCode, $"start {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()} {Child.Output}");
        return id;
    }

    /// <summary>The instance's status from the Durable management API, history included when asked.</summary>
    public async Task<JsonElement?> StatusAsync(string id, bool history = false)
    {
        using var response = await Http.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(id)}{(history ? "?showHistory=true" : string.Empty)}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> WaitForCompletionAsync(string id, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var status = await StatusAsync(id);
            if (status?.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated")
            {
                return status.Value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{id} did not finish in {within}: {status} {Child.Output}");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => Child.DisposeAsync();
}
