using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Orders.Tests;

/// <summary>The provider store's contract, written once and bound to every store by a one-line subclass.</summary>
public abstract class OrderProviderStoreContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    protected IOrderProviderStore Store { get; private set; } = null!;

    protected abstract IOrderProviderStore CreateStore();

    public virtual async Task InitializeAsync()
    {
        Store = CreateStore();
        await Store.InitializeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (Store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public async Task Charge_SameKeyTwice_OneChargeAndAReplay()
    {
        var (first, replayedFirst) = await Store.ChargeAsync("order:a/payment", "a", 10.5m, "EUR", Now);
        var (second, replayedSecond) = await Store.ChargeAsync("order:a/payment", "a", 10.5m, "EUR", Now.AddSeconds(1));

        Assert.False(replayedFirst);
        Assert.True(replayedSecond);
        Assert.Equal(first!.ChargeId, second!.ChargeId);
        var ledger = await Store.GetLedgerSummaryAsync();
        Assert.Equal(new LedgerSummary(1, 1, 0, 1, 0, 10.5m, 0m), ledger);
    }

    [Fact]
    public async Task Charge_TwoKeysOneOrder_CountedAsChargedTwice()
    {
        await Store.ChargeAsync("order:a/payment/1", "a", 1m, "EUR", Now);
        await Store.ChargeAsync("order:a/payment/2", "a", 1m, "EUR", Now);
        await Store.ChargeAsync("order:b/payment", "b", 2m, "EUR", Now);

        var ledger = await Store.GetLedgerSummaryAsync();

        Assert.Equal(3, ledger.Charges);
        Assert.Equal(2, ledger.ChargedOrders);
        Assert.Equal(1, ledger.OrdersChargedTwice);
    }

    [Fact]
    public async Task Refund_Twice_OneRefundOfTheCharge()
    {
        var (charge, _) = await Store.ChargeAsync("order:a/payment", "a", 7m, "EUR", Now);

        var first = await Store.RefundAsync("order:a/payment", Now);
        var second = await Store.RefundAsync("order:a/payment", Now.AddSeconds(5));

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.Equal(charge!.ChargeId, first.ChargeId);
        Assert.Equal(7m, first.Amount);
        Assert.Equal(first.RefundId, (await Store.GetChargeAsync("order:a/payment"))!.RefundId);
        var ledger = await Store.GetLedgerSummaryAsync();
        Assert.Equal(1, ledger.Refunds);
        Assert.Equal(7m, ledger.RefundedAmount);
    }

    [Fact]
    public async Task Refund_NothingCharged_NullAndNoRefund()
    {
        Assert.Null(await Store.RefundAsync("order:none/payment", Now));
        Assert.Equal(0, (await Store.GetLedgerSummaryAsync()).Refunds);
    }

    [Fact]
    public async Task Refund_NothingCharged_VoidsTheKeySoALateChargeIsRefused()
    {
        await Store.RefundAsync("order:late/payment", Now);

        var (late, replayed) = await Store.ChargeAsync("order:late/payment", "late", 5m, "EUR", Now.AddSeconds(1));

        Assert.Null(late);
        Assert.False(replayed);
        var ledger = await Store.GetLedgerSummaryAsync();
        Assert.Equal(0, ledger.Charges);
        Assert.Equal(1, ledger.Voided);
        Assert.Equal(1, ledger.RefusedAfterVoid);
    }

    [Fact]
    public async Task Reserve_EnoughStock_HoldsItUntilReleased()
    {
        await Store.SeedStockAsync("sku", 5);

        var outcome = await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 2), new OrderItem("sku", 1)], 100, Now, Now.AddMinutes(15));

        Assert.Equal(ReservationStatus.Held, outcome.Reservation!.Status);
        Assert.Equal((5, 2), await Store.GetStockAsync("sku", 100, Now));
        Assert.True(await Store.ReleaseAsync("order:a/inventory", Now));
        Assert.False(await Store.ReleaseAsync("order:a/inventory", Now));
        Assert.Equal((5, 5), await Store.GetStockAsync("sku", 100, Now));
    }

    [Fact]
    public async Task Reserve_SameKeyTwice_OneReservation()
    {
        await Store.SeedStockAsync("sku", 3);

        var first = await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 2)], 100, Now, Now.AddMinutes(15));
        var second = await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 2)], 100, Now, Now.AddMinutes(15));

        Assert.Equal(first.Reservation!.ReservationId, second.Reservation!.ReservationId);
        Assert.Equal((3, 1), await Store.GetStockAsync("sku", 100, Now));
    }

    [Fact]
    public async Task Reserve_NotEnoughForOneLine_NothingReserved()
    {
        await Store.SeedStockAsync("rare", 1);

        var outcome = await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("common", 1), new OrderItem("rare", 2)], 100, Now, Now.AddMinutes(15));

        Assert.Null(outcome.Reservation);
        Assert.Equal("rare", outcome.ShortSku);
        Assert.Equal(1, outcome.Available);
        Assert.Equal((100, 100), await Store.GetStockAsync("common", 100, Now));
    }

    [Fact]
    public async Task Reserve_AfterAnotherExpired_StockFreeAgain()
    {
        await Store.SeedStockAsync("sku", 1);
        await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 1)], 100, Now, Now.AddMinutes(1));

        var blocked = await Store.ReserveAsync("order:b/inventory", "b", [new OrderItem("sku", 1)], 100, Now.AddSeconds(30), Now.AddMinutes(2));
        var later = await Store.ReserveAsync("order:c/inventory", "c", [new OrderItem("sku", 1)], 100, Now.AddMinutes(1), Now.AddMinutes(3));

        Assert.Null(blocked.Reservation);
        Assert.NotNull(later.Reservation);
    }

    [Fact]
    public async Task Ship_HeldReservation_StockLeavesAndShipOnce()
    {
        await Store.SeedStockAsync("sku", 4);
        await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 3)], 100, Now, Now.AddMinutes(15));

        var first = await Store.ShipAsync("order:a/shipping", "order:a/inventory", "a", Now);
        var second = await Store.ShipAsync("order:a/shipping", "order:a/inventory", "a", Now.AddSeconds(1));

        Assert.NotNull(first.Shipment);
        Assert.Equal(first.Shipment.ShipmentId, second.Shipment!.ShipmentId);
        Assert.Equal((1, 1), await Store.GetStockAsync("sku", 100, Now));
        Assert.False(await Store.ReleaseAsync("order:a/inventory", Now));
    }

    [Fact]
    public async Task Ship_ExpiredOrReleased_Refused()
    {
        await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 1)], 100, Now, Now.AddMinutes(1));
        await Store.ReserveAsync("order:b/inventory", "b", [new OrderItem("sku", 1)], 100, Now, Now.AddMinutes(15));
        await Store.ReleaseAsync("order:b/inventory", Now);

        var expired = await Store.ShipAsync("order:a/shipping", "order:a/inventory", "a", Now.AddMinutes(2));
        var released = await Store.ShipAsync("order:b/shipping", "order:b/inventory", "b", Now);
        var none = await Store.ShipAsync("order:c/shipping", "order:c/inventory", "c", Now);

        Assert.Equal(new ShipOutcome(null, "the stock reservation expired"), expired);
        Assert.Equal(new ShipOutcome(null, "the stock reservation was released"), released);
        Assert.Equal(new ShipOutcome(null, "no stock reservation"), none);
    }

    [Fact]
    public async Task SeedStock_KnownSku_KeepsWhatItHas()
    {
        await Store.SeedStockAsync("sku", 2);
        await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 2)], 100, Now, Now.AddMinutes(15));
        await Store.ShipAsync("order:a/shipping", "order:a/inventory", "a", Now);

        await Store.SeedStockAsync("sku", 2);

        Assert.Equal((0, 0), await Store.GetStockAsync("sku", 100, Now));
    }

    [Fact]
    public async Task Charge_ManyConcurrentCallsOneKey_OneCharge()
    {
        var charges = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => Store.ChargeAsync("order:race/payment", "race", 3m, "EUR", Now))));

        Assert.Single(charges.Select(c => c.Charge!.ChargeId).Distinct());
        Assert.Single(charges, c => !c.Replayed);
        Assert.Equal(new LedgerSummary(1, 1, 0, 49, 0, 3m, 0m), await Store.GetLedgerSummaryAsync());
    }
}

public sealed class InMemoryOrderProviderStoreTests : OrderProviderStoreContractTests
{
    protected override IOrderProviderStore CreateStore() => new InMemoryOrderProviderStore();
}

public sealed class SqliteOrderProviderStoreTests : OrderProviderStoreContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "st-orders-" + Guid.NewGuid().ToString("N")[..12]);

    protected override IOrderProviderStore CreateStore() => new SqliteOrderProviderStore(Path.Combine(_folder, "orders.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Reopen_AfterWrites_KeepsLedgerAndStock()
    {
        await Store.SeedStockAsync("sku", 5);
        await Store.ChargeAsync("order:a/payment", "a", 4m, "EUR", Now);
        await Store.ReserveAsync("order:a/inventory", "a", [new OrderItem("sku", 2)], 100, Now, Now.AddMinutes(15));
        await ((IAsyncDisposable)Store).DisposeAsync();

        await using var reopened = new SqliteOrderProviderStore(Path.Combine(_folder, "orders.db"));
        var (again, replayed) = await reopened.ChargeAsync("order:a/payment", "a", 4m, "EUR", Now);

        Assert.True(replayed);
        Assert.Equal(1, (await reopened.GetLedgerSummaryAsync()).Charges);
        Assert.Equal((5, 3), await reopened.GetStockAsync("sku", 100, Now));
        Assert.Equal(4m, again!.Amount);
    }
}
