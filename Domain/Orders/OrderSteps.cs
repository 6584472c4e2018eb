namespace ServerlessTasks.Domain.Orders;

/// <summary>
/// The steps of an order (task ids inside its workflow) and the task types that run them and undo them. One place
/// for the names: the template, the activities, the status rules and the status view all read them here.
/// </summary>
public static class OrderSteps
{
    /// <summary>The fraud check, beside the payment.</summary>
    public const string FraudCheck = "fraud_check";

    /// <summary>The charge at the payment gateway.</summary>
    public const string Payment = "payment";

    /// <summary>The stock reservation, after payment and fraud check.</summary>
    public const string Inventory = "inventory";

    /// <summary>Packing, after the reservation.</summary>
    public const string Packing = "packing";

    /// <summary>The shipment, after packing (it commits the reservation).</summary>
    public const string Shipping = "shipping";

    /// <summary>The customer notification, last.</summary>
    public const string Notification = "notification";

    /// <summary>Every step, in template order.</summary>
    public static IReadOnlyList<string> All { get; } = [FraudCheck, Payment, Inventory, Packing, Shipping, Notification];

    /// <summary>Task types of the order activities (also usable in hand-built workflows).</summary>
    public static class Types
    {
        /// <summary>Runs the fraud check.</summary>
        public const string FraudCheck = "order_fraud_check";

        /// <summary>Charges the order at the gateway; the idempotency key is the task key.</summary>
        public const string Charge = "order_charge";

        /// <summary>Refunds the order's charge, if there is one (no-op otherwise); idempotent per charge.</summary>
        public const string Refund = "order_refund";

        /// <summary>Reserves the order's stock (with an expiry).</summary>
        public const string Reserve = "order_reserve";

        /// <summary>Releases the order's reservation, if it holds one.</summary>
        public const string Release = "order_release";

        /// <summary>Packs the order.</summary>
        public const string Pack = "order_pack";

        /// <summary>Ships the order (commits the reservation).</summary>
        public const string Ship = "order_ship";

        /// <summary>Notifies the customer.</summary>
        public const string Notify = "order_notify";

        /// <summary>
        /// Whether the activity of <paramref name="taskType"/> applies a task-index batch its invocation carries (every
        /// order step and compensation does), so the workflow can hand it the batch instead of a separate index write.
        /// </summary>
        public static bool AppliesIndexBatches(string taskType) => taskType?.ToLowerInvariant() is FraudCheck or Charge or Refund or Reserve or Release or Pack or Ship or Notify;
    }

    /// <summary>The task key of a step of an order's workflow: the idempotency key its side effects use (no attempt number, so a retry repeats the same effect).</summary>
    public static string TaskKey(string workflowId, string step) => $"{workflowId}/{step}";

    /// <summary>The step a task id names, undoing the <c>:compensate</c> suffix the orchestrator gives compensations.</summary>
    public static string StepOf(string taskId)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        var colon = taskId.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? taskId : taskId[..colon];
    }
}
