using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Orders;

/// <summary>
/// Builds an order's workflow: payment with the fraud check beside it, then inventory reservation, packing, shipping
/// and the customer notification. Compensations undo what was done when a later step fails: the reservation is
/// released, the charge refunded (both no-ops when nothing is held). The refund hangs on the fraud check as well
/// as on the payment, so a charge made by an attempt whose answer was lost is refunded even when the payment step
/// itself ends failed.
/// </summary>
public static class OrderTemplate
{
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The workflow of <paramref name="order"/>, accepted at <paramref name="acceptedAt"/>.</summary>
    /// <param name="order">The order.</param>
    /// <param name="callback">The order's completion webhook, if any (the workflow's callback).</param>
    /// <param name="acceptedAt">When it was accepted (the deadline counts from here).</param>
    /// <param name="policy">Priorities, timeouts, deadlines and retries per tier.</param>
    public static WorkflowSpec Build(OrderSpec order, CallbackSpec? callback, DateTimeOffset acceptedAt, OrderPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(order);
        policy ??= OrderPolicy.Default;
        var payload = PayloadOf(order);
        var tier = order.Customer.Tier;
        TaskSpec Step(string id, string type, string[] after, string? undo = null) => new(
            id,
            type,
            payload,
            Priority: policy.PriorityOf(tier),
            Dependencies: after,
            // No durable timeout: the step's activity bounds each attempt itself (OrderPolicy.StepTimeoutOf), because a
            // durable timer per attempt was a timer message and, once it fired, an extra orchestration episode per step.
            Timeout: null,
            MaxRetries: policy.MaxRetries,
            Retry: policy.RetryOf(tier),
            Compensate: undo is null ? null : new CompensationSpec(undo, payload));

        return new WorkflowSpec(
            OrderSpec.WorkflowIdOf(order.OrderId),
            [
                Step(OrderSteps.FraudCheck, OrderSteps.Types.FraudCheck, [], OrderSteps.Types.Refund),
                Step(OrderSteps.Payment, OrderSteps.Types.Charge, [], OrderSteps.Types.Refund),
                Step(OrderSteps.Inventory, OrderSteps.Types.Reserve, [OrderSteps.FraudCheck, OrderSteps.Payment], OrderSteps.Types.Release),
                Step(OrderSteps.Packing, OrderSteps.Types.Pack, [OrderSteps.Inventory]),
                Step(OrderSteps.Shipping, OrderSteps.Types.Ship, [OrderSteps.Packing]),
                Step(OrderSteps.Notification, OrderSteps.Types.Notify, [OrderSteps.Shipping]),
            ],
            Deadline: policy.DeadlineOf(tier, acceptedAt),
            Callback: callback);
    }

    /// <summary>The payload every step gets: the order without its callback (snake_case JSON).</summary>
    public static JsonElement PayloadOf(OrderSpec order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return JsonSerializer.SerializeToElement(order with { Callback = null }, PayloadJson);
    }

    /// <summary>Reads the order back from a step's payload.</summary>
    public static OrderSpec ReadPayload(JsonElement payload) =>
        payload.Deserialize<OrderSpec>(PayloadJson) ?? throw new ArgumentException("The payload is not an order.", nameof(payload));
}
