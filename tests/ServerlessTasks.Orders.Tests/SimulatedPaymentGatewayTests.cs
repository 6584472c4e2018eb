using Microsoft.Extensions.Time.Testing;
using ServerlessTasks.Orders.Providers;

namespace ServerlessTasks.Orders.Tests;

public class SimulatedPaymentGatewayTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static (SimulatedPaymentGateway Gateway, InMemoryOrderProviderStore Store, FakeTimeProvider Time) Create(Action<GatewayOptions> configure)
    {
        var options = new GatewayOptions { LatencyMs = 0, LatencyJitterMs = 0 };
        configure(options);
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryOrderProviderStore();
        return (new SimulatedPaymentGateway(store, options, new FaultSimulator("gateway", options, time, seed: 7)), store, time);
    }

    [Fact]
    public async Task Charge_EveryCallLosesItsAnswer_RetriesNeverChargeTwice()
    {
        var (gateway, store, _) = Create(o => { o.FailureRate = 1; o.LostResponseShare = 1; });

        for (var attempt = 0; attempt < 4; attempt++)
        {
            await Assert.ThrowsAsync<ProviderUnavailableException>(() => gateway.ChargeAsync("order:a/payment", "a", 5m, "EUR"));
        }

        var ledger = await store.GetLedgerSummaryAsync();
        Assert.Equal(1, ledger.Charges);
        Assert.Equal(3, ledger.Replays);
        Assert.Equal(0, ledger.OrdersChargedTwice);
    }

    [Fact]
    public async Task Charge_FailsBeforeRecording_NothingCharged()
    {
        var (gateway, store, _) = Create(o => { o.FailureRate = 1; o.LostResponseShare = 0; });

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => gateway.ChargeAsync("order:a/payment", "a", 5m, "EUR"));

        Assert.Equal("payment gateway answered 503", error.Message);
        Assert.Equal(0, (await store.GetLedgerSummaryAsync()).Charges);
    }

    [Fact]
    public async Task Charge_DuringOutage_UnavailableUntilItEnds()
    {
        var (gateway, store, time) = Create(o => o.Outages.Add(new OutageOptions { Start = Start.AddSeconds(5), Seconds = 10 }));

        await gateway.ChargeAsync("order:a/payment", "a", 1m, "EUR");
        time.Advance(TimeSpan.FromSeconds(6));
        var during = await Assert.ThrowsAsync<ProviderUnavailableException>(() => gateway.ChargeAsync("order:b/payment", "b", 1m, "EUR"));
        time.Advance(TimeSpan.FromSeconds(10));
        await gateway.ChargeAsync("order:b/payment", "b", 1m, "EUR");

        Assert.Contains("outage", during.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await store.GetLedgerSummaryAsync()).Charges);
        Assert.Equal(3, gateway.Faults.Calls);
        Assert.Equal(1, gateway.Faults.Failures);
    }

    [Fact]
    public async Task Charge_TwentyPercentFailureRate_AboutOneCallInFiveFails()
    {
        var (gateway, _, _) = Create(o => o.FailureRate = 0.2);

        for (var i = 0; i < 2_000; i++)
        {
            try
            {
                await gateway.ChargeAsync($"order:{i}/payment", $"{i}", 1m, "EUR");
            }
            catch (ProviderUnavailableException)
            {
            }
        }

        Assert.InRange(gateway.Faults.Failures, 340, 460);
    }

    [Fact]
    public async Task Charge_AboveDeclineLimit_RejectedAndNotCharged()
    {
        var (gateway, store, _) = Create(o => o.DeclineAbove = 100m);

        var error = await Assert.ThrowsAsync<ProviderRejectedException>(() => gateway.ChargeAsync("order:a/payment", "a", 100.01m, "EUR"));

        Assert.Contains("not retryable", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await store.GetLedgerSummaryAsync()).Charges);
    }

    [Fact]
    public async Task Refund_AfterCharge_OneRefundAndNoneWithoutCharge()
    {
        var (gateway, _, _) = Create(_ => { });
        var charge = await gateway.ChargeAsync("order:a/payment", "a", 2m, "EUR");

        var refund = await gateway.RefundAsync("order:a/payment");
        var none = await gateway.RefundAsync("order:b/payment");

        Assert.Equal(charge.ChargeId, refund!.ChargeId);
        Assert.Null(none);
    }

    [Fact]
    public async Task Charge_AfterTheOrderWasUndone_RefusedNotRetryable()
    {
        var (gateway, store, _) = Create(_ => { });
        await gateway.RefundAsync("order:a/payment");

        var error = await Assert.ThrowsAsync<ProviderRejectedException>(() => gateway.ChargeAsync("order:a/payment", "a", 2m, "EUR"));

        Assert.Contains("voided", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await store.GetLedgerSummaryAsync()).Charges);
    }
}
