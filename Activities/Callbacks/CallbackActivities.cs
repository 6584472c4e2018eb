using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Security;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.TaskIndex;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Activities.Callbacks;

/// <summary>
/// The activities of callback delivery: start a delivery orchestration (idempotent by delivery id), make one
/// signed attempt, and move a delivery to the dead-letter queue. Orchestrators do no I/O; these do it all.
/// </summary>
public sealed partial class CallbackActivities(
    WebhookClient client,
    ICallbackStore store,
    WebhookOptions options,
    OutboundAddressGuard guard,
    CallbackDeliveries deliveries,
    TaskEventSink events,
    ILogger<CallbackActivities> logger,
    TimeProvider time)
{
    /// <summary>The largest <c>Retry-After</c> honoured (a receiver cannot park a delivery for longer).</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    /// <summary>Records the delivery of <paramref name="notice"/> and starts it (see <see cref="CallbackDeliveries"/>).</summary>
    [Function(nameof(StartCallbackDelivery))]
    public Task<bool> StartCallbackDelivery([ActivityTrigger] CallbackNotice notice, [DurableClient] DurableTaskClient durable, CancellationToken cancellation) =>
        deliveries.StartAsync(notice, durable, cancellation);

    /// <summary>Records and starts a chunk of a <see cref="CallbackFanOutOrchestrator"/>'s deliveries; returns how many started now.</summary>
    [Function(nameof(StartCallbackDeliveries))]
    public Task<int> StartCallbackDeliveries([ActivityTrigger] IReadOnlyList<CallbackNotice> notices, [DurableClient] DurableTaskClient durable, CancellationToken cancellation) =>
        deliveries.StartManyAsync(notices, durable, cancellation);

    /// <summary>One signed attempt: fresh timestamp and signature, the delivery's fixed <c>webhook-id</c> and body.</summary>
    [Function(nameof(SendCallback))]
    public async Task<CallbackAttemptResult> SendCallback([ActivityTrigger] CallbackAttempt attempt, [DurableClient] DurableTaskClient durable, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(durable);
        var delivery = attempt.Delivery;
        if (delivery.AwaitFinalState && attempt.Attempt == 1)
        {
            await AwaitFinalStateAsync(durable, delivery.WorkflowId, cancellation);
        }

        var result = await TrySendAsync(delivery, cancellation);
        if (result.Outcome == CallbackAttemptOutcome.Delivered)
        {
            await JournalDeliveredAsync(attempt, cancellation);
        }

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

    /// <summary>
    /// Appends the <c>callback_delivered</c> event, stamped by the host clock after the event the callback reported.
    /// Idempotent by its identity (task, kind, slot); a journal failure is logged, not retried: the delivery stands.
    /// </summary>
    private async Task JournalDeliveredAsync(CallbackAttempt attempt, CancellationToken cancellation)
    {
        var delivery = attempt.Delivery;
        try
        {
            var reported = delivery.Hlc is { } text && HlcTimestamp.TryParse(text, out var parsed) ? parsed : (HlcTimestamp?)null;
            var delivered = new TaskEvent
            {
                WorkflowId = delivery.WorkflowId,
                TaskId = delivery.TaskId,
                Kind = TaskEventKind.CallbackDelivered,
                Hlc = await events.Clock.ReceiveAsync(reported),
                At = time.GetUtcNow(),
                Attempt = delivery.Slot,
                Detail = string.Create(CultureInfo.InvariantCulture, $"{delivery.Event ?? "completed"} delivered to {delivery.Url} (webhook-id {delivery.WebhookId}, attempt {attempt.Attempt})"),
            };
            await events.AppendAsync([delivered], cancellation);
            await events.NotifyAsync([delivered], cancellation);
        }
        catch (Exception ex)
        {
            // Also on cancellation (host stopping): the callback was delivered, so the attempt must say so.
            LogJournalFailed(logger, ex, delivery.DeliveryId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback {DeliveryId} was delivered but its callback_delivered event could not be journaled.")]
    private static partial void LogJournalFailed(ILogger logger, Exception exception, string deliveryId);

    /// <summary>
    /// Waits, bounded, until the orchestration being reported on has recorded its final state: it asked for this
    /// delivery as its last step, so this is normally a few milliseconds. Sends anyway once the wait is over.
    /// </summary>
    private async Task AwaitFinalStateAsync(DurableTaskClient durable, string instanceId, CancellationToken cancellation)
    {
        using var wait = new CancellationTokenSource(CallbackDelivery.FinalStateWait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, wait.Token);
        try
        {
            await durable.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: false, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // Still running after the wait: send; the receiver may see the final state a little later.
        }
        catch (ArgumentException)
        {
            // The instance is gone (purged): nothing to wait for.
        }
    }

    private async Task<CallbackAttemptResult> TrySendAsync(CallbackDelivery delivery, CancellationToken cancellation)
    {
        if (await store.IsEndpointDisabledAsync(delivery.Url, cancellation))
        {
            return new(CallbackAttemptOutcome.Disabled, null, "The endpoint answered 410 Gone earlier and is disabled.", null);
        }

        if (options.Signer is not { } signer)
        {
            return new(CallbackAttemptOutcome.Rejected, null, CallbackDeliveries.MissingSecret, null);
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
