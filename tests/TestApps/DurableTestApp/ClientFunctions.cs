using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DurableTestApp;

/// <summary>HTTP functions that drive Durable through the worker's own <see cref="DurableTaskClient"/>.</summary>
public static class ClientFunctions
{
    /// <summary><c>POST /api/start/{name}?id=</c>: starts an orchestrator with the JSON body as input; 202 with Durable's management URLs.</summary>
    [Function(nameof(Start))]
    public static async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "start/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var input = await ReadJsonAsync(request);
        var id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(request.Query["id"].FirstOrDefault()));
        var payload = client.CreateHttpManagementPayload(id);
        return new AcceptedResult(payload.StatusQueryGetUri, payload);
    }

    /// <summary>The request's JSON body, or null when it has none (bodies may arrive chunked, without a length).</summary>
    private static async Task<JsonElement?> ReadJsonAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary><c>GET /api/instances/{id}</c>: the client's view of an instance (404 when unknown).</summary>
    [Function(nameof(GetInstance))]
    public static async Task<IActionResult> GetInstance(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "instances/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
        return instance is null
            ? new NotFoundResult()
            : new OkObjectResult(new
            {
                instance.InstanceId,
                instance.Name,
                RuntimeStatus = instance.RuntimeStatus.ToString(),
                Input = instance.SerializedInput,
                Output = instance.SerializedOutput,
                CustomStatus = instance.SerializedCustomStatus,
                Failure = instance.FailureDetails?.ErrorMessage,
                FailureType = instance.FailureDetails?.ErrorType,
            });
    }

    /// <summary><c>POST /api/instances/{id}/events/{name}</c>: raises an event with the JSON body.</summary>
    [Function(nameof(Raise))]
    public static async Task<IActionResult> Raise(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "instances/{id}/events/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var data = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
        await client.RaiseEventAsync(id, name, data);
        return new AcceptedResult();
    }

    /// <summary><c>POST /api/entities/{name}/{key}/{operation}</c>: signals an entity.</summary>
    [Function(nameof(SignalEntity))]
    public static async Task<IActionResult> SignalEntity(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "entities/{name}/{key}/{operation}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name,
        string key,
        string operation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var input = await ReadJsonAsync(request);
        await client.Entities.SignalEntityAsync(new Microsoft.DurableTask.Entities.EntityInstanceId(name, key), operation, input);
        return new AcceptedResult();
    }

    /// <summary><c>GET /api/entities/{name}/{key}</c>: an entity's state (404 when it has none).</summary>
    [Function(nameof(GetEntity))]
    public static async Task<IActionResult> GetEntity(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "entities/{name}/{key}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name,
        string key)
    {
        ArgumentNullException.ThrowIfNull(client);
        var entity = await client.Entities.GetEntityAsync<int>(new Microsoft.DurableTask.Entities.EntityInstanceId(name, key));
        return entity is null ? new NotFoundResult() : new OkObjectResult(new { state = entity.State });
    }
}
