using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Orders;

/// <summary>
/// The order app with the gateway behind the pool <c>payment-gateway</c> (charges and refunds), whose breaker opens
/// at half of 4 outcomes failed and stays open for 10 minutes: any failure counted would show.
/// </summary>
public sealed class PooledGatewayAppHost : OrderAppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
    [
        new("Pools__payment-gateway__Capacity", "4"),
        new("Pools__payment-gateway__TaskTypes", "order_charge,order_refund"),
        new("Pools__payment-gateway__MinSamples", "4"),
        new("Pools__payment-gateway__BreakerFailureRate", "0.5"),
        new("Pools__payment-gateway__BreakerOpenSeconds", "600"),
    ];
}

/// <summary>The gateway pool's breaker counts errors, timeouts and outages, never a refusal (a declined card).</summary>
public class GatewayBreakerTests(PooledGatewayAppHost host) : IClassFixture<PooledGatewayAppHost>
{
    [Fact]
    public async Task DeclinedCards_SixInARow_CountAsAnsweredAndTheBreakerStaysClosed()
    {
        var ids = Enumerable.Range(1, 6).Select(i => $"breaker-declined-{i}").ToList();
        foreach (var id in ids)
        {
            await host.SubmitOrderAsync(OrderAppHost.Order(id, amount: 9000m));
        }

        foreach (var id in ids)
        {
            var order = await host.WaitForOrderAsync(id, TimeSpan.FromSeconds(90));
            Assert.Equal("failed", order.GetProperty("status").GetString());
        }

        // Every release is sent before its order finishes; wait until the entity has taken them all in.
        var shard = await WaitForShardAsync(s => s.GetProperty("held").GetInt32() == 0
            && s.GetProperty("grants").GetInt64() >= ids.Count
            && s.GetProperty("successes").GetInt64() + s.GetProperty("failures").GetInt64() == s.GetProperty("grants").GetInt64());
        Assert.Equal(0, shard.GetProperty("failures").GetInt64());
        Assert.Equal(shard.GetProperty("grants").GetInt64(), shard.GetProperty("successes").GetInt64());
        Assert.Equal("closed", shard.GetProperty("breaker").GetString());
        Assert.Equal(0, shard.GetProperty("breaker_opens").GetInt64());
        var ledger = await host.LedgerAsync();
        Assert.Equal(0, ledger.GetProperty("charges").GetInt32());
    }

    private async Task<JsonElement> WaitForShardAsync(Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var all = await host.Http.GetFromJsonAsync<JsonElement>("/api/pools");
            var shard = all.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "payment-gateway").GetProperty("shards")[0];
            if (condition(shard))
            {
                return shard;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the pool never settled; last {shard}{host.Describe()}");
            await Task.Delay(50);
        }
    }
}
