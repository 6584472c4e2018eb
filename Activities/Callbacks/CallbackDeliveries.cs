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

    /// <summary>Starts the delivery of <paramref name="notice"/>; false when it was started before or cannot be sent.</summary>
    public async Task<bool> StartAsync(CallbackNotice notice, DurableTaskClient durable, CancellationToken cancellation)
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
            options.MaxDelaySeconds)
        {
            TaskId = notice.TaskId,
            Event = notice.Event,
            Hlc = notice.Hlc,
            Slot = notice.Slot == 0 ? CallbackSlots.Completion : notice.Slot,
            AwaitFinalState = notice.IsOrchestrationCompletion,
        };
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
            if (record.Status == CallbackDeliveryStatus.Pending)
            {
                await store.SaveAsync(record with { Status = CallbackDeliveryStatus.DeadLettered, LastError = NoSecret, UpdatedAt = time.GetUtcNow() }, cancellation);
            }

            return false;
        }

        return await StartInstanceAsync(durable, record.DeliveryId, JsonSerializer.Deserialize<CallbackDelivery>(record.Request)!, cancellation);
    }

    /// <summary>Starts a delivery orchestration under <paramref name="instanceId"/>; false when that instance already exists.</summary>
    public static async Task<bool> StartInstanceAsync(DurableTaskClient durable, string instanceId, CallbackDelivery delivery, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(durable);
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

    /// <summary>Why a delivery without a signing secret is not sent.</summary>
    internal static string MissingSecret => NoSecret;
}
