using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Orders;

/// <summary>How one compensation of an order went.</summary>
/// <param name="Step">The step it undid.</param>
/// <param name="Succeeded">Whether it completed.</param>
/// <param name="Undid">Whether it undid something (a refund made, stock released), not a no-op.</param>
public sealed record OrderCompensation(string Step, bool Succeeded, bool Undid);

/// <summary>The order status rules: what the steps' states mean for the order.</summary>
public static class OrderProgress
{
    /// <summary>The order's status.</summary>
    /// <param name="finished">Whether its workflow has finished.</param>
    /// <param name="steps">Each step's state (missing steps are pending).</param>
    /// <param name="compensations">The compensations that ran (after a failure).</param>
    public static OrderStatus Derive(bool finished, IReadOnlyDictionary<string, WorkflowTaskStatus> steps, IReadOnlyList<OrderCompensation> compensations)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(compensations);
        bool Done(string step) => steps.TryGetValue(step, out var status) && status == WorkflowTaskStatus.Completed;
        if (finished)
        {
            if (Done(OrderSteps.Notification))
            {
                return OrderStatus.Completed;
            }

            if (compensations.Any(c => !c.Succeeded))
            {
                return OrderStatus.Failed;
            }

            // Something was done and undone: a charge refunded, a reservation released.
            return Done(OrderSteps.Payment) || Done(OrderSteps.Inventory) || compensations.Any(c => c.Undid)
                ? OrderStatus.Compensated
                : OrderStatus.Failed;
        }

        return Done(OrderSteps.Shipping) ? OrderStatus.Shipped
            : Done(OrderSteps.Packing) ? OrderStatus.Packed
            : Done(OrderSteps.Payment) && Done(OrderSteps.FraudCheck) ? OrderStatus.Paid
            : OrderStatus.Accepted;
    }
}
