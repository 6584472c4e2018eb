using System.Globalization;
using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Orders.Providers;

/// <summary>
/// A payment gateway with latency, a failure rate, outages and idempotency keys, its ledger in the provider store.
/// Of the failed calls, <see cref="GatewayOptions.LostResponseShare"/> fail after the charge was recorded (the
/// answer is lost on the way back), so a retry finds the charge under its key instead of charging again.
/// </summary>
public sealed class SimulatedPaymentGateway(IOrderProviderStore store, GatewayOptions options, FaultSimulator faults) : IPaymentGateway
{
    /// <summary>The gateway's call counters.</summary>
    public FaultSimulator Faults => faults;

    /// <inheritdoc />
    public async Task<ChargeRecord> ChargeAsync(string idempotencyKey, string orderId, decimal amount, string currency, CancellationToken cancellation = default)
    {
        var fails = await faults.CallAsync(cancellation);
        var lostResponse = fails && faults.Next() < options.LostResponseShare;
        if (fails && !lostResponse)
        {
            throw new ProviderUnavailableException("payment gateway answered 503");
        }

        if (options.DeclineAbove is { } limit && amount > limit)
        {
            throw new ProviderRejectedException(string.Create(CultureInfo.InvariantCulture, $"payment declined: {amount} {currency} is above the limit (not retryable)"));
        }

        var (charge, _) = await store.ChargeAsync(idempotencyKey, orderId, amount, currency, faults.Time.GetUtcNow(), cancellation);
        if (charge is null)
        {
            throw new ProviderRejectedException("payment refused: the order's payment was voided (given up and undone; not retryable)");
        }

        if (lostResponse)
        {
            throw new ProviderUnavailableException("payment gateway timed out (the charge may have been made)");
        }

        return charge;
    }

    /// <inheritdoc />
    public async Task<RefundRecord?> RefundAsync(string chargeKey, CancellationToken cancellation = default)
    {
        if (await faults.CallAsync(cancellation))
        {
            throw new ProviderUnavailableException("payment gateway answered 503");
        }

        return await store.RefundAsync(chargeKey, faults.Time.GetUtcNow(), cancellation);
    }
}

/// <summary>A fraud check that rejects orders above <see cref="FraudOptions.RejectAbove"/>.</summary>
public sealed class SimulatedFraudCheck(FraudOptions options, FaultSimulator faults) : IFraudCheck
{
    /// <inheritdoc />
    public async Task<double> CheckAsync(OrderSpec order, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (await faults.CallAsync(cancellation))
        {
            throw new ProviderUnavailableException("fraud check unavailable");
        }

        if (order.Amount > options.RejectAbove)
        {
            throw new ProviderRejectedException(string.Create(CultureInfo.InvariantCulture, $"fraud check rejected the order: amount {order.Amount} is above {options.RejectAbove} (not retryable)"));
        }

        return options.RejectAbove == 0 ? 1 : (double)(order.Amount / options.RejectAbove);
    }
}

/// <summary>An inventory service with stock and reservations that expire, its state in the provider store.</summary>
public sealed class SimulatedInventory(IOrderProviderStore store, InventoryOptions options, FaultSimulator faults) : IInventoryService
{
    /// <inheritdoc />
    public async Task<ReservationRecord> ReserveAsync(string key, OrderSpec order, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (await faults.CallAsync(cancellation))
        {
            throw new ProviderUnavailableException("inventory service unavailable");
        }

        var now = faults.Time.GetUtcNow();
        var outcome = await store.ReserveAsync(key, order.OrderId, order.Items, options.DefaultStock, now, now.AddSeconds(options.ReservationSeconds), cancellation);
        return outcome.Reservation ?? throw new ProviderRejectedException(string.Create(
            CultureInfo.InvariantCulture, $"out of stock: {outcome.ShortSku} has {outcome.Available} free (not retryable)"));
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseAsync(string key, CancellationToken cancellation = default)
    {
        if (await faults.CallAsync(cancellation))
        {
            throw new ProviderUnavailableException("inventory service unavailable");
        }

        return await store.ReleaseAsync(key, faults.Time.GetUtcNow(), cancellation);
    }
}

/// <summary>A warehouse and carrier: packing is stateless, shipping commits the reservation in the provider store.</summary>
public sealed class SimulatedShipping(IOrderProviderStore store, ShippingOptions options, FaultSimulator faults) : IShippingService
{
    /// <inheritdoc />
    public async Task<string> PackAsync(string key, OrderSpec order, CancellationToken cancellation = default)
    {
        if (await faults.CallAsync(cancellation))
        {
            throw new ProviderUnavailableException("warehouse unavailable");
        }

        return $"pk_{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..24]}";
    }

    /// <inheritdoc />
    public async Task<ShipmentRecord> ShipAsync(string key, string reservationKey, OrderSpec order, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (await faults.CallAsync(cancellation))
        {
            throw new ProviderUnavailableException("carrier unavailable");
        }

        if (order.Items.FirstOrDefault(i => options.Undeliverable.Contains(i.Sku, StringComparer.Ordinal)) is { } refused)
        {
            throw new ProviderRejectedException($"the carrier refuses {refused.Sku} (not retryable)");
        }

        var outcome = await store.ShipAsync(key, reservationKey, order.OrderId, faults.Time.GetUtcNow(), cancellation);
        return outcome.Shipment ?? throw new ProviderRejectedException($"cannot ship: {outcome.Refusal} (not retryable)");
    }
}

/// <summary>A notifier with latency and failures only.</summary>
public sealed class SimulatedNotifier(FaultSimulator faults) : ICustomerNotifier
{
    /// <inheritdoc />
    public async Task<DateTimeOffset> NotifyAsync(string key, OrderSpec order, string shipmentId, CancellationToken cancellation = default)
    {
        if (await faults.CallAsync(cancellation))
        {
            throw new ProviderUnavailableException("notifier unavailable");
        }

        return faults.Time.GetUtcNow();
    }
}
