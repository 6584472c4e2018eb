using System.Text.Json;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Tests.Orders;

public class OrderTemplateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static OrderSpec Order(CustomerTier tier) =>
        new("o-1", new OrderCustomer("c-1", tier), [new OrderItem("sku-1", 2)], 19.99m, "EUR");

    [Fact]
    public void Build_Order_PaymentBesideFraudCheckThenInventoryPackingShippingNotification()
    {
        var workflow = OrderTemplate.Build(Order(CustomerTier.Regular), null, Now);

        Assert.Equal("order:o-1", workflow.WorkflowId);
        var deps = workflow.Tasks.ToDictionary(t => t.TaskId!, t => t.DependsOn.ToArray());
        Assert.Equal(OrderSteps.All, workflow.Tasks.Select(t => t.TaskId));
        Assert.Empty(deps[OrderSteps.FraudCheck]);
        Assert.Empty(deps[OrderSteps.Payment]);
        Assert.Equal([OrderSteps.FraudCheck, OrderSteps.Payment], deps[OrderSteps.Inventory]);
        Assert.Equal([OrderSteps.Inventory], deps[OrderSteps.Packing]);
        Assert.Equal([OrderSteps.Packing], deps[OrderSteps.Shipping]);
        Assert.Equal([OrderSteps.Shipping], deps[OrderSteps.Notification]);
        Assert.True(new WorkflowValidator().Validate(workflow, Now).IsValid);
    }

    [Fact]
    public void Build_Order_EveryStepRetriesThreeTimes()
    {
        var workflow = OrderTemplate.Build(Order(CustomerTier.Regular), null, Now);

        Assert.All(workflow.Tasks, t => Assert.Equal(3, t.MaxRetries));
    }

    [Fact]
    public void Build_Order_RefundOnPaymentAndFraudCheckReleaseOnInventory()
    {
        var tasks = OrderTemplate.Build(Order(CustomerTier.Regular), null, Now).Tasks.ToDictionary(t => t.TaskId!);

        Assert.Equal(OrderSteps.Types.Refund, tasks[OrderSteps.Payment].Compensate!.TaskType);
        Assert.Equal(OrderSteps.Types.Refund, tasks[OrderSteps.FraudCheck].Compensate!.TaskType);
        Assert.Equal(OrderSteps.Types.Release, tasks[OrderSteps.Inventory].Compensate!.TaskType);
        Assert.Null(tasks[OrderSteps.Packing].Compensate);
        Assert.Null(tasks[OrderSteps.Shipping].Compensate);
        Assert.Null(tasks[OrderSteps.Notification].Compensate);
    }

    [Fact]
    public void Build_VipOrder_HigherPriorityTighterTimeoutAndDeadline()
    {
        var vip = OrderTemplate.Build(Order(CustomerTier.Vip), null, Now);
        var regular = OrderTemplate.Build(Order(CustomerTier.Regular), null, Now);

        Assert.All(vip.Tasks, t => Assert.Equal(9, t.Priority));
        Assert.All(regular.Tasks, t => Assert.Equal(4, t.Priority));
        // The activities bound each attempt themselves: no durable timer per attempt.
        Assert.All(vip.Tasks.Concat(regular.Tasks), t => Assert.Null(t.Timeout));
        Assert.Equal(10, OrderPolicy.Default.StepTimeoutOf(CustomerTier.Vip));
        Assert.Equal(30, OrderPolicy.Default.StepTimeoutOf(CustomerTier.Regular));
        Assert.Equal(Now.AddMinutes(10), vip.Deadline);
        Assert.Equal(Now.AddHours(1), regular.Deadline);
    }

    [Fact]
    public void PayloadOf_Order_RoundTripsWithoutCallback()
    {
        var order = Order(CustomerTier.Vip) with { Callback = JsonDocument.Parse("""{"url":"https://x"}""").RootElement };

        var payload = OrderTemplate.PayloadOf(order);

        Assert.Equal("""{"order_id":"o-1","customer":{"id":"c-1","tier":"vip"},"items":[{"sku":"sku-1","qty":2}],"amount":19.99,"currency":"EUR"}""", payload.GetRawText());
        var back = OrderTemplate.ReadPayload(payload);
        Assert.Equal(order.OrderId, back.OrderId);
        Assert.Equal(order.Items, back.Items);
        Assert.Equal(order.Customer, back.Customer);
    }

    [Fact]
    public void Build_WithCallback_WorkflowCallback()
    {
        var callback = new CallbackSpec("https://example.com/hook", "t");

        Assert.Same(callback, OrderTemplate.Build(Order(CustomerTier.Vip), callback, Now).Callback);
    }

    [Theory]
    [InlineData("payment", "payment")]
    [InlineData("payment:compensate", "payment")]
    [InlineData("inventory:compensate", "inventory")]
    public void StepOf_TaskId_TheStep(string taskId, string step) => Assert.Equal(step, OrderSteps.StepOf(taskId));
}
