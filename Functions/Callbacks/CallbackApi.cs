using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>The dead-letter queue of callback deliveries: list and redrive.</summary>
public sealed class CallbackApi(ICallbackStore store, TimeProvider time)
{
    /// <summary>Most ids (or dead letters, with <c>all</c>) one redrive request handles.</summary>
    public const int MaxRedrive = 1000;

    /// <summary><c>GET /api/callbacks/dead-letters?limit=&amp;offset=</c>: dead letters, oldest first.</summary>
    [Function(nameof(ListDeadLetters))]
    public async Task<IActionResult> ListDeadLetters(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "callbacks/dead-letters")] HttpRequest request,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryInt(request.Query["limit"], 100, 1, 1000, out var limit) || !TryInt(request.Query["offset"], 0, 0, int.MaxValue, out var offset))
        {
            return ApiResults.Problem(400, "Bad Request", "limit must be 1-1000 and offset 0 or more.");
        }

        var page = await store.ListByStatusAsync(CallbackDeliveryStatus.DeadLettered, limit, offset, context.CancellationToken);
        return ApiResults.Json(new DeadLetterPage([.. page.Items.Select(DeadLetterView.From)], page.Total, limit, offset));
    }

    /// <summary>
    /// <c>POST /api/callbacks/dead-letters/redrive</c> with <c>{"ids": [...]}</c> or <c>{"all": true}</c>: restarts
    /// each delivery (same body, same <c>webhook-id</c>, a fresh set of attempts). 202 with what was redriven.
    /// </summary>
    [Function(nameof(RedriveDeadLetters))]
    public async Task<IActionResult> RedriveDeadLetters(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "callbacks/dead-letters/redrive")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (body, problem) = await JsonBody.ReadAsync<RedriveRequest>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.All == body.Ids is { Count: > 0 } || body.Ids?.Count > MaxRedrive)
        {
            return ApiResults.Problem(400, "Bad Request", string.Create(CultureInfo.InvariantCulture, $"Send either \"ids\" (1-{MaxRedrive}) or \"all\": true."));
        }

        var cancellation = context.CancellationToken;
        var targets = body.All
            ? (await store.ListByStatusAsync(CallbackDeliveryStatus.DeadLettered, MaxRedrive, 0, cancellation)).Items.ToList()
            : [];
        var notFound = new List<string>();
        foreach (var id in body.Ids?.Distinct(StringComparer.Ordinal) ?? [])
        {
            if (await store.GetAsync(id, cancellation) is { Status: CallbackDeliveryStatus.DeadLettered } record)
            {
                targets.Add(record);
            }
            else
            {
                notFound.Add(id);
            }
        }

        var redriven = new List<string>();
        foreach (var record in targets)
        {
            var next = record with { Status = CallbackDeliveryStatus.Pending, Redrives = record.Redrives + 1, UpdatedAt = time.GetUtcNow() };
            await store.SaveAsync(next, cancellation);
            var instanceId = string.Create(CultureInfo.InvariantCulture, $"{record.DeliveryId}:redrive:{next.Redrives}");
            await CallbackDeliveries.StartInstanceAsync(client, instanceId, JsonSerializer.Deserialize<CallbackDelivery>(record.Request)!, cancellation);
            redriven.Add(record.DeliveryId);
        }

        return ApiResults.Json(new RedriveResult(redriven, notFound), 202);
    }

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, int fallback, int min, int max, out int result)
    {
        result = fallback;
        return string.IsNullOrEmpty(value)
            || (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max);
    }
}
