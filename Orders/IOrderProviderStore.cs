using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Orders;

/// <summary>
/// The providers' own state: the gateway's ledger (charges unique by idempotency key, at most one refund per
/// charge), stock and reservations, shipments. Every call is atomic; every write is idempotent by its key, so an
/// activity delivered again repeats nothing.
/// </summary>
public interface IOrderProviderStore
{
    /// <summary>Creates the store's tables if needed.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>
    /// Records a charge under <paramref name="idempotencyKey"/>, or returns the one already recorded under it (counting a
    /// replay); a null charge when the key was voided (see <see cref="RefundAsync"/>).
    /// </summary>
    Task<(ChargeRecord? Charge, bool Replayed)> ChargeAsync(string idempotencyKey, string orderId, decimal amount, string currency, DateTimeOffset at, CancellationToken cancellation = default);

    /// <summary>The charge recorded under a key, or null.</summary>
    Task<ChargeRecord?> GetChargeAsync(string idempotencyKey, CancellationToken cancellation = default);

    /// <summary>
    /// Refunds the charge recorded under <paramref name="chargeKey"/> (once; later calls return the same refund). When
    /// nothing was charged under the key, voids it instead and returns null: a charge under it arriving later (a late
    /// delivery of an attempt the order already gave up on) is refused, so an order undone stays undone.
    /// </summary>
    Task<RefundRecord?> RefundAsync(string chargeKey, DateTimeOffset at, CancellationToken cancellation = default);

    /// <summary>The ledger in numbers.</summary>
    Task<LedgerSummary> GetLedgerSummaryAsync(CancellationToken cancellation = default);

    /// <summary>Sets a SKU's stock on hand unless the store already knows the SKU (so a restart keeps what shipping took).</summary>
    Task SeedStockAsync(string sku, int onHand, CancellationToken cancellation = default);

    /// <summary>Stock on hand and free (on hand minus live reservations) of a SKU; SKUs never seen have <paramref name="defaultStock"/>.</summary>
    Task<(int OnHand, int Free)> GetStockAsync(string sku, int defaultStock, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>Reserves every line (all or nothing) until <paramref name="expiresAt"/>, or returns the reservation already made under the key.</summary>
    Task<ReserveOutcome> ReserveAsync(string key, string orderId, IReadOnlyList<OrderItem> items, int defaultStock, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellation = default);

    /// <summary>Releases the reservation made under the key; true when it held stock until now.</summary>
    Task<bool> ReleaseAsync(string reservationKey, DateTimeOffset now, CancellationToken cancellation = default);

    /// <summary>Ships the reservation made under <paramref name="reservationKey"/> (its stock leaves on-hand), or returns the shipment already made under <paramref name="key"/>.</summary>
    Task<ShipOutcome> ShipAsync(string key, string reservationKey, string orderId, DateTimeOffset now, CancellationToken cancellation = default);
}
