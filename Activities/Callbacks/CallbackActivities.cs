using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.Domain.Security;
using ServerlessTasks.Domain.Webhooks;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Activities.Callbacks;

/// <summary>
/// The activities of callback delivery: start a delivery orchestration (idempotent by delivery id), make one
/// signed attempt, and move a delivery to the dead-letter queue. Orchestrators do no I/O; these do it all.
/// </summary>
public sealed class CallbackActivities(WebhookClient client, ICallbackStore store, WebhookOptions options, OutboundAddressGuard guard, TimeProvider time)
{
    /// <summary>The largest <c>Retry-After</c> honoured (a receiver cannot park a delivery for longer).</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    private static readonly OrchestrationRuntimeStatus[] AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    /// <summary>
    /// Records the delivery and starts <see cref="CallbackDeliveryOrchestrator"/> with the delivery id as
    /// instance id; a repeat (activity re-run, orchestrator replay) finds both and does nothing. Without a
    /// signing secret the delivery is dead-lettered instead of sent unsigned.
    /// </summary>
    [Function(nameof(StartCallbackDelivery))]
    public async Task<bool> StartCallbackDelivery([ActivityTrigger] CallbackNotice notice, [DurableClient] DurableTaskClient durable, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(durable);
        var delivery = new CallbackDelivery(
            notice.DeliveryId,
            WebhookSigner.CreateMessageId(notice.DeliveryId),
            notice.WorkflowId,
            notice.Url,
            CallbackBody.Serialize(notice),
            options.MaxAttempts,
            options.InitialDelaySeconds,
            options.MaxDelaySeconds);
        var record = await store.AddAsync(
            new CallbackRecord
            {
                DeliveryId = delivery.DeliveryId,
                WorkflowId = notice.WorkflowId,
                TaskId = notice.TaskId,
                Event = notice.Event,
                Url = notice.Url,
                WebhookId = delivery.WebhookId,
                Status = CallbackDeliveryStatus.Pending,
                UpdatedAt = time.GetUtcNow(),
                Request = JsonSerializer.Serialize(delivery),
            },
            cancellation);
        if (options.Signer is null)
        {
            await store.SaveAsync(record with { Status = CallbackDeliveryStatus.DeadLettered, LastError = NoSecret, UpdatedAt = time.GetUtcNow() }, cancellation);
            return false;
        }

        return await StartAsync(durable, record.DeliveryId, JsonSerializer.Deserialize<CallbackDelivery>(record.Request)!, cancellation);
    }

    /// <summary>One signed attempt: fresh timestamp and signature, the delivery's fixed <c>webhook-id</c> and body.</summary>
    [Function(nameof(SendCallback))]
    public async Task<CallbackAttemptResult> SendCallback([ActivityTrigger] CallbackAttempt attempt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var delivery = attempt.Delivery;
        var result = await TrySendAsync(delivery, cancellation);
        var record = await store.GetAsync(delivery.DeliveryId, cancellation);
        if (record is not null)
        {
            var status = result.Outcome switch
            {
                CallbackAttemptOutcome.Delivered => CallbackDeliveryStatus.Delivered,
                CallbackAttemptOutcome.Disabled => CallbackDeliveryStatus.Disabled,
                _ => CallbackDeliveryStatus.Retrying,
            };
            await store.SaveAsync(
                record with
                {
                    Status = status,
                    Attempts = record.Attempts + (result.StatusCode is null && result.Outcome != CallbackAttemptOutcome.Retryable ? 0 : 1),
                    LastError = result.Error ?? (status == CallbackDeliveryStatus.Delivered ? null : record.LastError),
                    UpdatedAt = time.GetUtcNow(),
                },
                cancellation);
        }

        return result;
    }

    /// <summary>Moves a delivery to the dead-letter queue (its last error stays on the record).</summary>
    [Function(nameof(DeadLetterCallback))]
    public async Task<bool> DeadLetterCallback([ActivityTrigger] CallbackAttempt attempt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var record = await store.GetAsync(attempt.Delivery.DeliveryId, cancellation);
        if (record is null || record.Status is CallbackDeliveryStatus.Delivered or CallbackDeliveryStatus.Disabled)
        {
            return false;
        }

        await store.SaveAsync(record with { Status = CallbackDeliveryStatus.DeadLettered, UpdatedAt = time.GetUtcNow() }, cancellation);
        return true;
    }

    /// <summary>Starts a delivery orchestration; false when that instance already exists.</summary>
    internal static async Task<bool> StartAsync(DurableTaskClient durable, string instanceId, CallbackDelivery delivery, CancellationToken cancellation)
    {
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(
                nameof(CallbackDeliveryOrchestrator), delivery, new StartOrchestrationOptions(instanceId) { DedupeStatuses = AnyStatus }, cancellation);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // Started before: this is a repeat.
        }
    }

    private const string NoSecret = "No webhook signing secret is configured (Webhooks:Secrets); the delivery was not sent.";

    private async Task<CallbackAttemptResult> TrySendAsync(CallbackDelivery delivery, CancellationToken cancellation)
    {
        if (await store.IsEndpointDisabledAsync(delivery.Url, cancellation))
        {
            return new(CallbackAttemptOutcome.Disabled, null, "The endpoint answered 410 Gone earlier and is disabled.", null);
        }

        if (options.Signer is not { } signer)
        {
            return new(CallbackAttemptOutcome.Rejected, null, NoSecret, null);
        }

        var check = CallbackUrlGuard.Check(delivery.Url, guard.AllowLoopback);
        if (check.Verdict == CallbackUrlVerdict.Refused)
        {
            return new(CallbackAttemptOutcome.Rejected, null, $"Refused URL: {check.Reason}", null);
        }

        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var headers = signer.CreateHeaders(delivery.WebhookId, time.GetUtcNow(), body);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in headers.ToList())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeout.Token);
        try
        {
            using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var code = (int)response.StatusCode;
            var answer = string.Create(CultureInfo.InvariantCulture, $"The endpoint answered {code} {response.ReasonPhrase}");
            if (response.IsSuccessStatusCode)
            {
                return new(CallbackAttemptOutcome.Delivered, code, null, null);
            }

            if (response.StatusCode == HttpStatusCode.Gone)
            {
                await store.DisableEndpointAsync(delivery.Url, time.GetUtcNow(), cancellation);
                return new(CallbackAttemptOutcome.Disabled, code, $"{answer}; the endpoint is disabled.", null);
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests || code >= 500)
            {
                return new(CallbackAttemptOutcome.Retryable, code, answer + ".", RetryAfterSeconds(response));
            }

            return new(CallbackAttemptOutcome.Rejected, code, code is >= 300 and < 400 ? $"{answer} (redirects are not followed)." : answer + ".", null);
        }
        catch (HttpRequestException ex) when (Find<OutboundAddressRefusedException>(ex) is { } refused)
        {
            return new(CallbackAttemptOutcome.Rejected, null, refused.Message, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return new(CallbackAttemptOutcome.Retryable, null, string.Create(CultureInfo.InvariantCulture, $"The endpoint did not answer within {options.Timeout.TotalSeconds:0.#} s."), null);
        }
        catch (HttpRequestException ex)
        {
            return new(CallbackAttemptOutcome.Retryable, null, $"Connection failed: {ex.Message}", null);
        }
    }

    private double? RetryAfterSeconds(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is { } value ? Math.Clamp(value.TotalSeconds, 0, MaxRetryAfter.TotalSeconds) : null;
    }

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }
}
