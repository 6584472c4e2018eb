using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Domain.Tests.Orders;

public class OrderProgressTests
{
    private static Dictionary<string, WorkflowTaskStatus> Done(params string[] steps) =>
        steps.ToDictionary(s => s, _ => WorkflowTaskStatus.Completed);

    [Fact]
    public void Derive_Running_FollowsTheLastDoneStep()
    {
        Assert.Equal(OrderStatus.Accepted, OrderProgress.Derive(false, Done(), []));
        Assert.Equal(OrderStatus.Accepted, OrderProgress.Derive(false, Done(OrderSteps.Payment), []));
        Assert.Equal(OrderStatus.Paid, OrderProgress.Derive(false, Done(OrderSteps.Payment, OrderSteps.FraudCheck), []));
        Assert.Equal(OrderStatus.Packed, OrderProgress.Derive(false, Done(OrderSteps.Payment, OrderSteps.FraudCheck, OrderSteps.Inventory, OrderSteps.Packing), []));
        Assert.Equal(OrderStatus.Shipped, OrderProgress.Derive(false, Done(OrderSteps.Payment, OrderSteps.FraudCheck, OrderSteps.Inventory, OrderSteps.Packing, OrderSteps.Shipping), []));
    }

    [Fact]
    public void Derive_FinishedWithNotification_Completed() =>
        Assert.Equal(OrderStatus.Completed, OrderProgress.Derive(true, Done([.. OrderSteps.All]), []));

    [Fact]
    public void Derive_FailedAfterPaymentRefunded_Compensated()
    {
        var steps = Done(OrderSteps.Payment, OrderSteps.FraudCheck);
        steps[OrderSteps.Inventory] = WorkflowTaskStatus.Failed;

        var status = OrderProgress.Derive(true, steps, [new OrderCompensation(OrderSteps.Payment, true, true), new OrderCompensation(OrderSteps.FraudCheck, true, true)]);

        Assert.Equal(OrderStatus.Compensated, status);
    }

    [Fact]
    public void Derive_PaymentFailedNothingCharged_Failed()
    {
        var steps = Done(OrderSteps.FraudCheck);
        steps[OrderSteps.Payment] = WorkflowTaskStatus.Failed;

        Assert.Equal(OrderStatus.Failed, OrderProgress.Derive(true, steps, [new OrderCompensation(OrderSteps.FraudCheck, true, false)]));
    }

    [Fact]
    public void Derive_PaymentFailedButALostAnswerCharged_CompensatedByTheRefund()
    {
        var steps = Done(OrderSteps.FraudCheck);
        steps[OrderSteps.Payment] = WorkflowTaskStatus.Failed;

        Assert.Equal(OrderStatus.Compensated, OrderProgress.Derive(true, steps, [new OrderCompensation(OrderSteps.FraudCheck, true, true)]));
    }

    [Fact]
    public void Derive_CompensationFailed_Failed()
    {
        var steps = Done(OrderSteps.Payment, OrderSteps.FraudCheck);
        steps[OrderSteps.Inventory] = WorkflowTaskStatus.Failed;

        Assert.Equal(OrderStatus.Failed, OrderProgress.Derive(true, steps, [new OrderCompensation(OrderSteps.Payment, false, false)]));
    }
}
