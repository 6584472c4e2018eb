using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ServerlessTasks.ReferenceWorker;

/// <summary>A task the service leased to this worker.</summary>
public sealed record LeasedTask(string TaskId, string? WorkflowId, string TaskType, JsonElement? Payload, int Priority, int Attempt, string LeaseToken, DateTimeOffset LeaseExpiresAt);

/// <summary>The service's answer to register and heartbeat.</summary>
public sealed record Registration(string WorkerId, string Status, double HeartbeatIntervalS, double LeaseTimeoutS);

/// <summary>The worker and lease endpoints of the service (DESIGN.md section 4), over one <see cref="HttpClient"/>.</summary>
public sealed class WorkerClient(HttpClient http, WorkerOptions options)
{
    /// <summary>The service's JSON: snake_case.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Registers (or registers again).</summary>
    public async Task<Registration> RegisterAsync(CancellationToken cancellation)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/workers/register", new { worker_id = options.WorkerId, capabilities = options.Capabilities, max_concurrent_tasks = options.MaxConcurrentTasks }, cancellation);
        await EnsureAsync(response, cancellation);
        return (await response.Content.ReadFromJsonAsync<Registration>(Json, cancellation))!;
    }

    /// <summary>Heartbeats; false when the service does not know this worker (register again).</summary>
    public async Task<bool> HeartbeatAsync(bool draining, int currentTasks, CancellationToken cancellation)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/workers/{Uri.EscapeDataString(options.WorkerId)}/heartbeat", new
        {
            status = draining ? "draining" : "active",
            current_tasks = currentTasks,
            system_info = new { machine = Environment.MachineName, process_id = Environment.ProcessId, processors = Environment.ProcessorCount, runtime = Environment.Version.ToString() },
        }, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureAsync(response, cancellation);
        return true;
    }

    /// <summary>Leases up to <paramref name="maxTasks"/> tasks, waiting up to <paramref name="waitSeconds"/>; null when the service does not know this worker.</summary>
    public async Task<IReadOnlyList<LeasedTask>?> LeaseAsync(int maxTasks, double waitSeconds, CancellationToken cancellation)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/workers/{Uri.EscapeDataString(options.WorkerId)}/lease", new { max_tasks = maxTasks, wait_seconds = waitSeconds }, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureAsync(response, cancellation);
        var body = await response.Content.ReadFromJsonAsync<LeaseResponse>(Json, cancellation);
        return body?.Tasks ?? [];
    }

    /// <summary>Completes a lease; false when the service refused the token (409: superseded, expired or wrong).</summary>
    public Task<bool> CompleteAsync(string leaseToken, JsonNode? result, CancellationToken cancellation) =>
        FinishAsync($"api/leases/{Uri.EscapeDataString(leaseToken)}/complete", new { worker_id = options.WorkerId, result }, cancellation);

    /// <summary>Fails a lease; false when the service refused the token.</summary>
    public Task<bool> FailAsync(string leaseToken, string error, bool retryable, CancellationToken cancellation) =>
        FinishAsync($"api/leases/{Uri.EscapeDataString(leaseToken)}/fail", new { worker_id = options.WorkerId, error, retryable }, cancellation);

    /// <summary>Removes this worker from the service (after draining).</summary>
    public async Task DeregisterAsync(CancellationToken cancellation)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"api/workers/{Uri.EscapeDataString(options.WorkerId)}", null, cancellation);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureAsync(response, cancellation);
        }
    }

    private async Task<bool> FinishAsync(string path, object body, CancellationToken cancellation)
    {
        using var response = await SendAsync(HttpMethod.Post, path, body, cancellation);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureAsync(response, cancellation);
        return true;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellation)
    {
        // Awaited here: the request (and its content) is disposed when this method returns.
        using var request = new HttpRequestMessage(method, new Uri(options.BaseUrl, path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        if (options.FunctionKey is { Length: > 0 } key)
        {
            request.Headers.Add("x-functions-key", key);
        }

        return await http.SendAsync(request, cancellation);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellation);
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {text}", null, response.StatusCode);
        }
    }

    private sealed record LeaseResponse(IReadOnlyList<LeasedTask>? Tasks);
}
