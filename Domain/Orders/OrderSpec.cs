using System.Text.Json;

namespace ServerlessTasks.Domain.Orders;

/// <summary>An order as accepted (after <see cref="OrderRequestParser"/>): the input of the order template.</summary>
/// <param name="OrderId">The client's order id: the idempotency key (the order runs as the workflow <c>order:{order_id}</c>).</param>
/// <param name="Customer">Who ordered.</param>
/// <param name="Items">The lines (at least one).</param>
/// <param name="Amount">The amount to charge (0 or more, at most two decimals).</param>
/// <param name="Currency">ISO 4217 code, upper case (default <c>EUR</c>).</param>
/// <param name="Callback">The order's completion webhook, as the raw JSON the client sent (validated by the API).</param>
public sealed record OrderSpec(
    string OrderId,
    OrderCustomer Customer,
    IReadOnlyList<OrderItem> Items,
    decimal Amount,
    string Currency,
    JsonElement? Callback = null)
{
    /// <summary>The currency used when the order names none.</summary>
    public const string DefaultCurrency = "EUR";

    /// <summary>The workflow (orchestration instance) id of an order.</summary>
    public static string WorkflowIdOf(string orderId) => $"order:{orderId}";

    /// <summary>The order id of a workflow id made by <see cref="WorkflowIdOf"/>, or null for any other workflow.</summary>
    public static string? OrderIdOf(string workflowId) =>
        workflowId.StartsWith(WorkflowPrefix, StringComparison.Ordinal) ? workflowId[WorkflowPrefix.Length..] : null;

    /// <summary>The prefix of every order's workflow id.</summary>
    public const string WorkflowPrefix = "order:";
}
