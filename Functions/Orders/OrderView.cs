using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Functions.Orders;

/// <summary>One step of an order as <c>GET /api/orders/{order_id}</c> shows it.</summary>
/// <param name="Step">The step (<see cref="OrderSteps"/>).</param>
/// <param name="Status">Its state.</param>
/// <param name="Attempts">Attempts made (retries are attempts minus one).</param>
/// <param name="StartedAt">When it was dispatched.</param>
/// <param name="CompletedAt">When it finished.</param>
/// <param name="Result">Its result (ids the provider gave).</param>
/// <param name="Error">Why it failed or was skipped.</param>
public sealed record OrderStepView(
    string Step,
    WorkflowTaskStatus Status,
    int Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    JsonElement? Result,
    string? Error);

/// <summary>A compensation that ran for an order.</summary>
/// <param name="Step">The step it undid.</param>
/// <param name="Status">Completed or failed.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="Result">Its result (<c>refunded</c>/<c>refund_id</c>, <c>released</c>).</param>
/// <param name="Error">Why it failed.</param>
public sealed record OrderCompensationView(string Step, WorkflowTaskStatus Status, int Attempts, JsonElement? Result, string? Error);

/// <summary>An order's state.</summary>
public sealed record OrderView
{
    /// <summary>The order id.</summary>
    public required string OrderId { get; init; }

    /// <summary>Where it is.</summary>
    public required OrderStatus Status { get; init; }

    /// <summary>The customer's tier.</summary>
    public required CustomerTier Tier { get; init; }

    /// <summary>The customer id.</summary>
    public required string CustomerId { get; init; }

    /// <summary>The amount.</summary>
    public decimal Amount { get; init; }

    /// <summary>The currency.</summary>
    public required string Currency { get; init; }

    /// <summary>The workflow that runs it.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The priority its steps run at.</summary>
    public int Priority { get; init; }

    /// <summary>When it must be done.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When it was accepted.</summary>
    public DateTimeOffset AcceptedAt { get; init; }

    /// <summary>When its state last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When it finished (completed, compensated or failed); null while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Milliseconds from acceptance to finish; null while it runs.</summary>
    public double? DurationMs { get; init; }

    /// <summary>Retries over all steps and compensations.</summary>
    public int Retries { get; init; }

    /// <summary>The gateway's charge id, once charged.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ChargeId { get; init; }

    /// <summary>The gateway's refund id, once refunded.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? RefundId { get; init; }

    /// <summary>The first failure, when it did not complete.</summary>
    public string? Error { get; init; }

    /// <summary>Every step, in template order.</summary>
    public required IReadOnlyList<OrderStepView> Steps { get; init; }

    /// <summary>Compensations run after a failure, in the order they ran.</summary>
    public IReadOnlyList<OrderCompensationView> Compensations { get; init; } = [];
}

/// <summary>A page of orders.</summary>
/// <param name="Items">The orders (oldest first).</param>
/// <param name="Total">Orders matching the filter.</param>
/// <param name="Limit">The page size asked for.</param>
/// <param name="Offset">The offset asked for.</param>
public sealed record OrderPage(IReadOnlyList<OrderView> Items, int Total, int Limit, int Offset);

/// <summary>The payment gateway's ledger (<c>GET /api/orders-ledger</c>): charges against orders, refunds, calls.</summary>
public sealed record LedgerView
{
    /// <summary>Charge rows.</summary>
    public int Charges { get; init; }

    /// <summary>Distinct orders charged.</summary>
    public int ChargedOrders { get; init; }

    /// <summary>Orders with more than one charge (0 unless idempotency is broken).</summary>
    public int OrdersChargedTwice { get; init; }

    /// <summary>Charge calls answered from the ledger by idempotency key instead of charging again.</summary>
    public int IdempotentReplays { get; init; }

    /// <summary>Refund rows (at most one per charge).</summary>
    public int Refunds { get; init; }

    /// <summary>Sum of charges.</summary>
    public decimal ChargedAmount { get; init; }

    /// <summary>Sum of refunds.</summary>
    public decimal RefundedAmount { get; init; }

    /// <summary>Payment keys voided by a refund that found no charge (the order was undone before any charge landed).</summary>
    public int VoidedKeys { get; init; }

    /// <summary>Charges refused because their key was voided: late deliveries of attempts the order had given up on.</summary>
    public int ChargesRefusedAfterVoid { get; init; }

    /// <summary>Calls this worker made to the simulated gateway since it started (null for another gateway).</summary>
    public long? GatewayCalls { get; init; }

    /// <summary>Of those, the calls that failed (outages included).</summary>
    public long? GatewayFailures { get; init; }
}
