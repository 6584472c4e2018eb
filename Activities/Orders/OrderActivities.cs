using System.Globalization;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Activities.Callbacks;
using ServerlessTasks.Activities.Events;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Orders;

/// <summary>
/// The order steps as activities (task types <see cref="OrderSteps.Types"/>). Each is idempotent by its task key
/// (<c>{workflow}/{step}</c>, no attempt number): a retried or redelivered charge finds its charge in the gateway's
/// ledger instead of charging again, a repeated reservation returns the same reservation. Compensations key on the
/// step they undo: the refund on the payment's key, the release on the reservation's. Each attempt is bounded by its
/// tier's step timeout (<see cref="OrderPolicy.StepTimeoutOf"/>): the provider call is cancelled and the attempt fails
/// with a <see cref="TimeoutException"/>, which the task runner retries like any failed attempt. An invocation may carry
/// the workflow's task-index batch (<see cref="Functions.Orchestration.IndexCarry"/>): it is written before the step
/// runs, as the <c>IndexTasks</c> activity would write it, and its receipt goes back with the step's result.
/// </summary>
public sealed partial class OrderActivities(
    HostClock clock,
    OrderProviders providers,
    TimeProvider time,
    OrderPolicy policy,
    ITaskIndex index,
    TaskEventSink sink,
    CallbackDeliveries callbacks,
    ILogger<TaskIndexActivities> logger)
{
    private readonly TaskIndexActivities _indexer = new(index, sink, callbacks, logger);

    /// <summary>Runs the fraud check: <c>{score}</c>.</summary>
    [Function(nameof(OrderFraudCheck))]
    public Task<TaskActivityResult> OrderFraudCheck([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (order, cancellation) => new { score = await providers.Fraud.CheckAsync(order, cancellation) });

    /// <summary>Charges the order under the payment step's key: <c>{charge_id, amount, currency}</c>.</summary>
    [Function(nameof(OrderCharge))]
    public Task<TaskActivityResult> OrderCharge([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (order, cancellation) =>
        {
            var charge = await providers.Gateway.ChargeAsync(Key(invocation, OrderSteps.Payment), order.OrderId, order.Amount, order.Currency, cancellation);
            return new { charge_id = charge.ChargeId, amount = charge.Amount, currency = charge.Currency };
        });

    /// <summary>Refunds the payment step's charge, if one was made: <c>{refunded, refund_id?, charge_id?}</c>.</summary>
    [Function(nameof(OrderRefund))]
    public Task<TaskActivityResult> OrderRefund([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (_, cancellation) =>
        {
            var refund = await providers.Gateway.RefundAsync(Key(invocation, OrderSteps.Payment), cancellation);
            return new { refunded = refund is not null, refund_id = refund?.RefundId, charge_id = refund?.ChargeId };
        });

    /// <summary>Reserves the order's stock: <c>{reservation_id, expires_at}</c>.</summary>
    [Function(nameof(OrderReserve))]
    public Task<TaskActivityResult> OrderReserve([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (order, cancellation) =>
        {
            var reservation = await providers.Inventory.ReserveAsync(Key(invocation, OrderSteps.Inventory), order, cancellation);
            return new { reservation_id = reservation.ReservationId, expires_at = reservation.ExpiresAt };
        });

    /// <summary>Releases the order's reservation: <c>{released}</c> (false when it held nothing any more).</summary>
    [Function(nameof(OrderRelease))]
    public Task<TaskActivityResult> OrderRelease([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (_, cancellation) => new { released = await providers.Inventory.ReleaseAsync(Key(invocation, OrderSteps.Inventory), cancellation) });

    /// <summary>Packs the order: <c>{parcel_id}</c>.</summary>
    [Function(nameof(OrderPack))]
    public Task<TaskActivityResult> OrderPack([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (order, cancellation) => new { parcel_id = await providers.Shipping.PackAsync(Key(invocation, OrderSteps.Packing), order, cancellation) });

    /// <summary>Ships the order (commits the reservation): <c>{shipment_id}</c>.</summary>
    [Function(nameof(OrderShip))]
    public Task<TaskActivityResult> OrderShip([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (order, cancellation) =>
        {
            var shipment = await providers.Shipping.ShipAsync(Key(invocation, OrderSteps.Shipping), Key(invocation, OrderSteps.Inventory), order, cancellation);
            return new { shipment_id = shipment.ShipmentId };
        });

    /// <summary>Notifies the customer: <c>{notified_at}</c>.</summary>
    [Function(nameof(OrderNotify))]
    public Task<TaskActivityResult> OrderNotify([ActivityTrigger] TaskInvocation invocation, [DurableClient] DurableTaskClient client) =>
        RunAsync(invocation, client, async (order, cancellation) => new { notified_at = await providers.Notifier.NotifyAsync(Key(invocation, OrderSteps.Notification), order, Key(invocation, OrderSteps.Shipping), cancellation) });

    /// <summary>The task key of <paramref name="step"/> in the invocation's workflow.</summary>
    private static string Key(TaskInvocation invocation, string step) => OrderSteps.TaskKey(invocation.WorkflowId, step);

    private async Task<TaskActivityResult> RunAsync<T>(TaskInvocation invocation, DurableTaskClient client, Func<OrderSpec, CancellationToken, Task<T>> step)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var receipt = invocation.Index is { } batch ? await WriteIndexAsync(batch, client) : null;
        var done = await clock.RunAsync(invocation.Hlc, async () =>
        {
            await providers.EnsureReadyAsync();
            var order = invocation.Payload is { } payload ? OrderTemplate.ReadPayload(payload) : throw new ArgumentException("An order step needs the order as its payload.", nameof(invocation));
            var seconds = policy.StepTimeoutOf(order.Customer.Tier);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time);
            try
            {
                return JsonSerializer.SerializeToElement(await step(order, timeout.Token));
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"timed out after {seconds} s"));
            }
        });
        return done with { Index = receipt };
    }

    /// <summary>Writes the batch the invocation carried; null when it could not (the orchestrator then sends it itself), so the step runs either way.</summary>
    private async Task<TaskIndexReceipt?> WriteIndexAsync(TaskIndexBatch batch, DurableTaskClient client)
    {
        try
        {
            return await _indexer.ApplyAsync(batch, client, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogIndexNotWritten(logger, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The task-index batch carried by an order step was not written; the workflow sends it again.")]
    private static partial void LogIndexNotWritten(ILogger logger, Exception exception);
}
