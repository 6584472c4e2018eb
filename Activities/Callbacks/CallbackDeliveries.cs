using DurableTask.Core.Exceptions;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Webhooks;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Webhooks;

namespace ServerlessTasks.Activities.Callbacks;

/// <summary>
/// Starts callback deliveries: records the delivery and starts <see cref="CallbackDeliveryOrchestrator"/> with the
/// delivery id as instance id. A repeat (activity re-run, orchestrator replay, index batch sent again) finds both
/// and does nothing. Without a signing secret the delivery is dead-lettered instead of sent unsigned.
/// </summary>
public sealed class CallbackDeliveries(ICallbackStore store, WebhookOptions options, TimeProvider time)
{
    private const string NoSecret = "No webhook signing secret is configured (Webhooks:Secrets); the delivery was not sent.";

    private static readonly OrchestrationRuntimeStatus[] AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    /// <summary>Most delivery orchestrations one call creates at the same time (the durable store group-commits them).</summary>
    public const int StartConcurrency = 16;

    /// <summary>Starts the delivery of <paramref name="notice"/>; false when it was started before or cannot be sent.</summary>
    public async Task<bool> StartAsync(CallbackNotice notice, DurableTaskClient durable, CancellationToken cancellation) =>
        await StartManyAsync([notice], durable, cancellation) == 1;

    /// <summary>
    /// Records every delivery in one store write, then starts their orchestrations, a few at a time. Returns how many
    /// started now (repeats and unsendable deliveries are not counted).
    /// </summary>
    public async Task<int> StartManyAsync(IReadOnlyList<CallbackNotice> notices, DurableTaskClient durable, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(notices);
        ArgumentNullException.ThrowIfNull(durable);
        var now = time.GetUtcNow();
        var records = await store.AddRangeAsync([.. notices.Select(n => RecordOf(n, now))], cancellation);
        if (options.Signer is null)
        {
            foreach (var record in records.Where(r => r.Status == CallbackDeliveryStatus.Pending))
            {
                await store.SaveAsync(record with { Status = CallbackDeliveryStatus.DeadLettered, LastError = NoSecret, UpdatedAt = time.GetUtcNow() }, cancellation);
            }

            return 0;
        }

        var started = 0;
        await Parallel.ForEachAsync(
            records,
            new ParallelOptions { MaxDegreeOfParallelism = StartConcurrency, CancellationToken = cancellation },
            async (record, token) =>
            {
                if (await StartInstanceAsync(durable, record.DeliveryId, JsonSerializer.Deserialize<CallbackDelivery>(record.Request)!, token))
                {
                    Interlocked.Increment(ref started);
                }
            });
        return started;
    }

    /// <summary>
    /// Hands many notices to a <see cref="CallbackFanOutOrchestrator"/> (one instance create, idempotent by
    /// <see cref="FanOutInstanceId"/>), so the caller does not wait for every delivery to be recorded and started.
    /// </summary>
    public static async Task StartFanOutAsync(DurableTaskClient durable, IReadOnlyList<CallbackNotice> notices, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(durable);
        ArgumentNullException.ThrowIfNull(notices);
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(
                nameof(CallbackFanOutOrchestrator), new CallbackFanOutInput(notices, 0), new StartOrchestrationOptions(FanOutInstanceId(notices)).WithDedupeStatuses(AnyStatus), cancellation);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Started before (the batch was sent again): that instance owns these deliveries.
        }
    }

    /// <summary>The fan-out's instance id: its first delivery id and a hash of all of them, so only the very same batch is a repeat.</summary>
    public static string FanOutInstanceId(IReadOnlyList<CallbackNotice> notices)
    {
        ArgumentNullException.ThrowIfNull(notices);
        return $"fan-out:{notices[0].DeliveryId}:{CallbackKeys.Hash(notices.Select(n => n.DeliveryId))}";
    }

    private CallbackRecord RecordOf(CallbackNotice notice, DateTimeOffset now)
    {
        var delivery = new CallbackDelivery(
            notice.DeliveryId,
            WebhookSigner.CreateMessageId(notice.DeliveryId),
            notice.WorkflowId,
            notice.Url,
            CallbackBody.Serialize(notice),
            options.MaxAttempts,
            options.InitialDelaySeconds,
            options.MaxDelaySeconds)
        {
            TaskId = notice.TaskId,
            Event = notice.Event,
            Hlc = notice.Hlc,
            Slot = notice.Slot == 0 ? CallbackSlots.Completion : notice.Slot,
            AwaitFinalState = notice.IsOrchestrationCompletion,
        };
        return new CallbackRecord
        {
            DeliveryId = delivery.DeliveryId,
            WorkflowId = notice.WorkflowId,
            TaskId = notice.TaskId,
            Event = notice.Event,
            Url = notice.Url,
            WebhookId = delivery.WebhookId,
            Status = CallbackDeliveryStatus.Pending,
            UpdatedAt = now,
            Request = JsonSerializer.Serialize(delivery),
        };
    }

    /// <summary>Starts a delivery orchestration under <paramref name="instanceId"/>; false when that instance already exists.</summary>
    public static async Task<bool> StartInstanceAsync(DurableTaskClient durable, string instanceId, CallbackDelivery delivery, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(durable);
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(
                nameof(CallbackDeliveryOrchestrator), delivery, new StartOrchestrationOptions(instanceId).WithDedupeStatuses(AnyStatus), cancellation);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false; // Started before: this is a repeat.
        }
    }

    /// <summary>Why a delivery without a signing secret is not sent.</summary>
    internal static string MissingSecret => NoSecret;
}
