namespace ServerlessTasks.Orders;

/// <summary>One charge in the gateway's ledger; its idempotency key is unique, so a key is charged at most once.</summary>
/// <param name="ChargeId">The gateway's id of the charge.</param>
/// <param name="IdempotencyKey">The caller's key (the order's payment task key).</param>
/// <param name="OrderId">The order.</param>
/// <param name="Amount">The amount charged.</param>
/// <param name="Currency">Its currency.</param>
/// <param name="ChargedAt">When it was recorded.</param>
/// <param name="Replays">How many later calls with the same key were answered with this charge instead of charging again.</param>
/// <param name="RefundId">The refund of this charge, if refunded.</param>
public sealed record ChargeRecord(string ChargeId, string IdempotencyKey, string OrderId, decimal Amount, string Currency, DateTimeOffset ChargedAt, int Replays, string? RefundId);

/// <summary>One refund; at most one per charge.</summary>
/// <param name="RefundId">The gateway's id of the refund.</param>
/// <param name="ChargeId">The charge it refunds.</param>
/// <param name="Amount">The amount refunded.</param>
/// <param name="RefundedAt">When it was recorded.</param>
public sealed record RefundRecord(string RefundId, string ChargeId, decimal Amount, DateTimeOffset RefundedAt);

/// <summary>The state of a stock reservation.</summary>
public enum ReservationStatus
{
    /// <summary>Holding stock until it expires.</summary>
    Held,

    /// <summary>Given back (compensation).</summary>
    Released,

    /// <summary>Shipped: the stock left the warehouse.</summary>
    Shipped,
}

/// <summary>A stock reservation of an order.</summary>
/// <param name="ReservationId">The inventory service's id.</param>
/// <param name="Key">The caller's idempotency key (the order's inventory task key).</param>
/// <param name="OrderId">The order.</param>
/// <param name="Status">Its state (a held reservation past <paramref name="ExpiresAt"/> no longer holds stock).</param>
/// <param name="ExpiresAt">When a held reservation lapses.</param>
public sealed record ReservationRecord(string ReservationId, string Key, string OrderId, ReservationStatus Status, DateTimeOffset ExpiresAt);

/// <summary>A shipment.</summary>
/// <param name="ShipmentId">The carrier's tracking id.</param>
/// <param name="Key">The caller's idempotency key (the order's shipping task key).</param>
/// <param name="OrderId">The order.</param>
/// <param name="ShippedAt">When it was handed over.</param>
public sealed record ShipmentRecord(string ShipmentId, string Key, string OrderId, DateTimeOffset ShippedAt);

/// <summary>The gateway's ledger in numbers: the proof that no order was charged twice and every refund matches a charge.</summary>
/// <param name="Charges">Charge rows.</param>
/// <param name="ChargedOrders">Distinct orders charged.</param>
/// <param name="OrdersChargedTwice">Orders with more than one charge (must be 0).</param>
/// <param name="Replays">Calls answered from the ledger by idempotency key (retries that did not charge again).</param>
/// <param name="Refunds">Refund rows.</param>
/// <param name="ChargedAmount">Sum of all charges.</param>
/// <param name="RefundedAmount">Sum of all refunds.</param>
/// <param name="Voided">Keys voided by a refund that found no charge (a later charge under them is refused).</param>
/// <param name="RefusedAfterVoid">Charges refused because their key was voided.</param>
public sealed record LedgerSummary(int Charges, int ChargedOrders, int OrdersChargedTwice, int Replays, int Refunds, decimal ChargedAmount, decimal RefundedAmount, int Voided = 0, int RefusedAfterVoid = 0);

/// <summary>How a reservation request ended.</summary>
/// <param name="Reservation">The reservation (new or the one already made under the key), or null.</param>
/// <param name="ShortSku">The first SKU without enough free stock, when refused.</param>
/// <param name="Available">The free stock of <paramref name="ShortSku"/>.</param>
public sealed record ReserveOutcome(ReservationRecord? Reservation, string? ShortSku = null, int Available = 0);

/// <summary>How a ship request ended.</summary>
/// <param name="Shipment">The shipment (new or the one already made under the key), or null.</param>
/// <param name="Refusal">Why not, when refused (no reservation, released, expired).</param>
public sealed record ShipOutcome(ShipmentRecord? Shipment, string? Refusal = null);
