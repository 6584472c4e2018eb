using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Orders;

/// <summary>The providers' state in memory (tests, and runs that need no restart): the same rules as the SQLite store.</summary>
public sealed class InMemoryOrderProviderStore : IOrderProviderStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ChargeRecord> _charges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefundRecord> _refunds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _voids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _stock = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ReservationRecord Record, List<(string Sku, int Qty)> Lines)> _reservations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ShipmentRecord> _shipments = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<(ChargeRecord? Charge, bool Replayed)> ChargeAsync(string idempotencyKey, string orderId, decimal amount, string currency, DateTimeOffset at, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (_voids.TryGetValue(idempotencyKey, out var refused))
            {
                _voids[idempotencyKey] = refused + 1;
                return Task.FromResult<(ChargeRecord?, bool)>((null, false));
            }

            if (_charges.TryGetValue(idempotencyKey, out var existing))
            {
                existing = existing with { Replays = existing.Replays + 1 };
                _charges[idempotencyKey] = existing;
                return Task.FromResult<(ChargeRecord?, bool)>((WithRefund(existing), true));
            }

            var charge = new ChargeRecord($"ch_{Guid.NewGuid():N}", idempotencyKey, orderId, amount, currency, at, 0, null);
            _charges[idempotencyKey] = charge;
            return Task.FromResult<(ChargeRecord?, bool)>((charge, false));
        }
    }

    /// <inheritdoc />
    public Task<ChargeRecord?> GetChargeAsync(string idempotencyKey, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_charges.TryGetValue(idempotencyKey, out var charge) ? WithRefund(charge) : null);
        }
    }

    /// <inheritdoc />
    public Task<RefundRecord?> RefundAsync(string chargeKey, DateTimeOffset at, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (!_charges.TryGetValue(chargeKey, out var charge))
            {
                _voids.TryAdd(chargeKey, 0);
                return Task.FromResult<RefundRecord?>(null);
            }

            if (!_refunds.TryGetValue(charge.ChargeId, out var refund))
            {
                refund = new RefundRecord($"re_{Guid.NewGuid():N}", charge.ChargeId, charge.Amount, at);
                _refunds[charge.ChargeId] = refund;
            }

            return Task.FromResult<RefundRecord?>(refund);
        }
    }

    /// <inheritdoc />
    public Task<LedgerSummary> GetLedgerSummaryAsync(CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var byOrder = _charges.Values.GroupBy(c => c.OrderId, StringComparer.Ordinal).ToList();
            return Task.FromResult(new LedgerSummary(
                _charges.Count,
                byOrder.Count,
                byOrder.Count(g => g.Count() > 1),
                _charges.Values.Sum(c => c.Replays),
                _refunds.Count,
                _charges.Values.Sum(c => c.Amount),
                _refunds.Values.Sum(r => r.Amount),
                _voids.Count,
                _voids.Values.Sum()));
        }
    }

    /// <inheritdoc />
    public Task SeedStockAsync(string sku, int onHand, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            _stock.TryAdd(sku, onHand);
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<(int OnHand, int Free)> GetStockAsync(string sku, int defaultStock, DateTimeOffset now, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            var onHand = OnHand(sku, defaultStock);
            return Task.FromResult((onHand, onHand - Held(sku, now)));
        }
    }

    /// <inheritdoc />
    public Task<ReserveOutcome> ReserveAsync(string key, string orderId, IReadOnlyList<OrderItem> items, int defaultStock, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (_reservations.TryGetValue(key, out var existing))
            {
                return Task.FromResult(new ReserveOutcome(existing.Record));
            }

            var lines = items.GroupBy(i => i.Sku, StringComparer.Ordinal).Select(g => (Sku: g.Key, Qty: g.Sum(i => i.Qty))).ToList();
            foreach (var (sku, qty) in lines)
            {
                var free = OnHand(sku, defaultStock) - Held(sku, now);
                if (free < qty)
                {
                    return Task.FromResult(new ReserveOutcome(null, sku, Math.Max(free, 0)));
                }
            }

            var record = new ReservationRecord($"rs_{Guid.NewGuid():N}", key, orderId, ReservationStatus.Held, expiresAt);
            _reservations[key] = (record, lines);
            return Task.FromResult(new ReserveOutcome(record));
        }
    }

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(string reservationKey, DateTimeOffset now, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (!_reservations.TryGetValue(reservationKey, out var held) || held.Record.Status != ReservationStatus.Held)
            {
                return Task.FromResult(false);
            }

            _reservations[reservationKey] = (held.Record with { Status = ReservationStatus.Released }, held.Lines);
            return Task.FromResult(held.Record.ExpiresAt > now);
        }
    }

    /// <inheritdoc />
    public Task<ShipOutcome> ShipAsync(string key, string reservationKey, string orderId, DateTimeOffset now, CancellationToken cancellation = default)
    {
        lock (_gate)
        {
            if (_shipments.TryGetValue(key, out var existing))
            {
                return Task.FromResult(new ShipOutcome(existing));
            }

            if (!_reservations.TryGetValue(reservationKey, out var reservation))
            {
                return Task.FromResult(new ShipOutcome(null, "no stock reservation"));
            }

            var refusal = reservation.Record switch
            {
                { Status: ReservationStatus.Released } => "the stock reservation was released",
                { Status: ReservationStatus.Shipped } => "the stock reservation was already shipped",
                { ExpiresAt: var expires } when expires <= now => "the stock reservation expired",
                _ => null,
            };
            if (refusal is not null)
            {
                return Task.FromResult(new ShipOutcome(null, refusal));
            }

            _reservations[reservationKey] = (reservation.Record with { Status = ReservationStatus.Shipped }, reservation.Lines);
            foreach (var (sku, qty) in reservation.Lines)
            {
                _stock[sku] -= qty;
            }

            var shipment = new ShipmentRecord($"sh_{Guid.NewGuid():N}", key, orderId, now);
            _shipments[key] = shipment;
            return Task.FromResult(new ShipOutcome(shipment));
        }
    }

    private ChargeRecord WithRefund(ChargeRecord charge) =>
        _refunds.TryGetValue(charge.ChargeId, out var refund) ? charge with { RefundId = refund.RefundId } : charge;

    private int OnHand(string sku, int defaultStock)
    {
        if (!_stock.TryGetValue(sku, out var onHand))
        {
            onHand = defaultStock;
            _stock[sku] = onHand;
        }

        return onHand;
    }

    private int Held(string sku, DateTimeOffset now) =>
        _reservations.Values
            .Where(r => r.Record.Status == ReservationStatus.Held && r.Record.ExpiresAt > now)
            .Sum(r => r.Lines.Where(l => string.Equals(l.Sku, sku, StringComparison.Ordinal)).Sum(l => l.Qty));
}
