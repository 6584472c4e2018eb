using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Orders.Providers;

/// <summary>The payment gateway. Every call names an idempotency key; the same key never charges twice.</summary>
public interface IPaymentGateway
{
    /// <summary>Charges <paramref name="amount"/> under <paramref name="idempotencyKey"/>, or returns the charge already made under it.</summary>
    Task<ChargeRecord> ChargeAsync(string idempotencyKey, string orderId, decimal amount, string currency, CancellationToken cancellation = default);

    /// <summary>Refunds the charge made under <paramref name="chargeKey"/> (once); null when nothing was charged under it.</summary>
    Task<RefundRecord?> RefundAsync(string chargeKey, CancellationToken cancellation = default);
}

/// <summary>The fraud check.</summary>
public interface IFraudCheck
{
    /// <summary>Scores the order (0-1, higher is riskier); throws <see cref="ProviderRejectedException"/> for a rejected order.</summary>
    Task<double> CheckAsync(OrderSpec order, CancellationToken cancellation = default);
}

/// <summary>The inventory service: stock and reservations with an expiry.</summary>
public interface IInventoryService
{
    /// <summary>Reserves the order's lines under <paramref name="key"/> (all or nothing); throws <see cref="ProviderRejectedException"/> when out of stock.</summary>
    Task<ReservationRecord> ReserveAsync(string key, OrderSpec order, CancellationToken cancellation = default);

    /// <summary>Releases the reservation made under <paramref name="key"/>; true when it held stock.</summary>
    Task<bool> ReleaseAsync(string key, CancellationToken cancellation = default);
}

/// <summary>The warehouse and carrier.</summary>
public interface IShippingService
{
    /// <summary>Packs the order; returns the parcel id (idempotent: derived from the key).</summary>
    Task<string> PackAsync(string key, OrderSpec order, CancellationToken cancellation = default);

    /// <summary>Ships the reservation made under <paramref name="reservationKey"/>; throws <see cref="ProviderRejectedException"/> when it cannot be shipped.</summary>
    Task<ShipmentRecord> ShipAsync(string key, string reservationKey, OrderSpec order, CancellationToken cancellation = default);
}

/// <summary>Tells the customer.</summary>
public interface ICustomerNotifier
{
    /// <summary>Notifies the customer that the order shipped; returns when it was sent.</summary>
    Task<DateTimeOffset> NotifyAsync(string key, OrderSpec order, string shipmentId, CancellationToken cancellation = default);
}
