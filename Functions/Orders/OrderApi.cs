using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Activities.Http;
using ServerlessTasks.Activities.Orders;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.Functions.Http;
using ServerlessTasks.Orders.Providers;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orders;

/// <summary>
/// The order endpoints. An order is a workflow built from <see cref="OrderTemplate"/> and run by the
/// <see cref="WorkflowOrchestrator"/> as <c>order:{order_id}</c>; its status is read from the workflow's report and
/// the task index.
/// </summary>
public sealed class OrderApi(TimeProvider time, ITaskIndex index, OutboundAddressGuard outbound, OrderProviders providers, OrderPolicy policy)
{
    /// <summary><c>POST /api/orders</c>: validates the order and starts its workflow; 202 with the status URLs.</summary>
    [Function(nameof(SubmitOrder))]
    public async Task<IActionResult> SubmitOrder(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var (body, problem) = await JsonBody.ReadAsync<JsonElementBox>(request, context.CancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var (order, problems) = OrderRequestParser.Parse(body!.Value);
        if (order is null)
        {
            return Invalid(problems);
        }

        CallbackSpec? callback = null;
        if (order.Callback is { } callbackJson)
        {
            try
            {
                callback = callbackJson.Deserialize<CallbackSpec>(ApiJson.Options);
            }
            catch (JsonException)
            {
                callback = null;
            }

            if (callback is null || string.IsNullOrEmpty(callback.Url))
            {
                return Invalid([new OrderProblem("callback", "invalid_callback",
                    $"callback must be {{url, token?, events?}} with events from: {string.Join(", ", Enum.GetValues<CallbackEventKind>().Select(e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString())))}.")]);
            }

            if (await CallbackProblems.CheckAsync(outbound, callback, [], context.CancellationToken) is { } refused)
            {
                return refused;
            }
        }

        var workflow = OrderTemplate.Build(order, callback, time.GetUtcNow(), policy);
        return await IdempotentStart.StartAsync(
            request, client, nameof(WorkflowOrchestrator), workflow.WorkflowId!, workflow,
            $"/api/orders/{Uri.EscapeDataString(order.OrderId)}", $"Order '{order.OrderId}'", taskId: null, context.CancellationToken,
            priority: workflow.Tasks.Select(static t => (int?)t.Priority).Max(), sameSubmission: SameOrder);
    }

    /// <summary><c>GET /api/orders/{order_id}</c>: the order's status, every step and compensation, charge and refund ids, timings.</summary>
    [Function(nameof(GetOrder))]
    public async Task<IActionResult> GetOrder(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders/{orderId}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string orderId,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await client.GetInstanceAsync(OrderSpec.WorkflowIdOf(orderId), getInputsAndOutputs: true, context.CancellationToken);
        var view = instance is null ? null : await OrderViews.ReadAsync(instance, index, context.CancellationToken);
        return view is null
            ? ApiResults.Problem(404, "Not Found", $"No order with id '{orderId}'.")
            : ApiResults.Json(view);
    }

    /// <summary>
    /// <c>GET /api/orders?status=&amp;tier=&amp;limit=&amp;offset=</c>: orders, oldest first. It walks every order's
    /// workflow (an operator's view, not a polling endpoint: follow one order by its URL or its callback).
    /// </summary>
    [Function(nameof(ListOrders))]
    public async Task<IActionResult> ListOrders(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        OrderStatus? status = null;
        if (request.Query["status"].FirstOrDefault() is { Length: > 0 } statusText)
        {
            status = Enum.GetValues<OrderStatus>().Cast<OrderStatus?>().FirstOrDefault(s => string.Equals(Name(s!.Value), statusText, StringComparison.Ordinal));
            if (status is null)
            {
                return ApiResults.Problem(400, "Bad Request", $"status '{statusText}' is not an order status; allowed: {string.Join(", ", Enum.GetValues<OrderStatus>().Select(Name))}.");
            }
        }

        CustomerTier? tier = null;
        if (request.Query["tier"].FirstOrDefault() is { Length: > 0 } tierText)
        {
            tier = tierText switch { "vip" => CustomerTier.Vip, "regular" => CustomerTier.Regular, _ => null };
            if (tier is null)
            {
                return ApiResults.Problem(400, "Bad Request", $"tier '{tierText}' is not a customer tier; allowed: {string.Join(", ", OrderRequestParser.Tiers)}.");
            }
        }

        if (!TryInt(request.Query["limit"], 100, 1, 1000, out var limit) || !TryInt(request.Query["offset"], 0, 0, int.MaxValue, out var offset))
        {
            return ApiResults.Problem(400, "Bad Request", "limit must be a whole number 1-1000 and offset a whole number 0 or more.");
        }

        var items = new List<OrderView>();
        var total = 0;
        var query = new OrchestrationQuery { InstanceIdPrefix = OrderSpec.WorkflowPrefix, FetchInputsAndOutputs = true, PageSize = 200 };
        var owned = await Security.TenantScope.OwnedAsync(request.HttpContext, TaskIndex.TenantResource.Instance, context.CancellationToken);
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(context.CancellationToken))
        {
            if ((owned is not null && !owned.Contains(instance.InstanceId)) // a tenant's key lists its own orders alone
                || await OrderViews.ReadAsync(instance, index, context.CancellationToken) is not { } view
                || (status is not null && view.Status != status) || (tier is not null && view.Tier != tier))
            {
                continue;
            }

            if (total++ >= offset && items.Count < limit)
            {
                items.Add(view);
            }
        }

        return ApiResults.Json(new OrderPage([.. items.OrderBy(o => o.AcceptedAt)], total, limit, offset));
    }

    /// <summary><c>GET /api/orders-ledger</c>: the payment gateway's ledger in numbers (charges vs orders, refunds, idempotent replays).</summary>
    [Function(nameof(GetOrdersLedger))]
    public async Task<IActionResult> GetOrdersLedger(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders-ledger")] HttpRequest request,
        FunctionContext context)
    {
        await providers.EnsureReadyAsync();
        var ledger = await providers.Store.GetLedgerSummaryAsync(context.CancellationToken);
        var simulated = providers.Gateway as SimulatedPaymentGateway;
        return ApiResults.Json(new LedgerView
        {
            Charges = ledger.Charges,
            ChargedOrders = ledger.ChargedOrders,
            OrdersChargedTwice = ledger.OrdersChargedTwice,
            IdempotentReplays = ledger.Replays,
            Refunds = ledger.Refunds,
            ChargedAmount = ledger.ChargedAmount,
            RefundedAmount = ledger.RefundedAmount,
            VoidedKeys = ledger.Voided,
            ChargesRefusedAfterVoid = ledger.RefusedAfterVoid,
            GatewayCalls = simulated?.Faults.Calls,
            GatewayFailures = simulated?.Faults.Failures,
        });
    }

    /// <summary>
    /// The same order again: what the client sent matches. Not compared: the deadline (computed at acceptance) and the
    /// steps' durable timeouts (orders accepted before the activities bounded their own attempts carry them).
    /// </summary>
    private static bool SameOrder(WorkflowSpec? stored, WorkflowSpec submitted) =>
        stored is not null && JsonNode.DeepEquals(
            JsonSerializer.SerializeToNode(Comparable(stored), ApiJson.Options),
            JsonSerializer.SerializeToNode(Comparable(submitted), ApiJson.Options));

    private static WorkflowSpec Comparable(WorkflowSpec spec) =>
        spec with { Deadline = null, Tasks = [.. spec.Tasks.Select(t => t with { Timeout = null })] };

    private static IActionResult Invalid(IReadOnlyList<OrderProblem> problems) =>
        ApiResults.Problem(422, "Unprocessable Entity", $"The order is invalid: {problems[0].Message}",
            problems.Select(p => new { field = p.Field, code = p.Code, message = p.Message }).ToList());

    private static string Name(OrderStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues values, int fallback, int min, int max, out int value)
    {
        value = fallback;
        var text = values.FirstOrDefault();
        return string.IsNullOrEmpty(text)
            || (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }
}
