using System.Globalization;
using Microsoft.Data.Sqlite;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.SqliteStore;
using static ServerlessTasks.SqliteStore.SerialSqlite;

namespace ServerlessTasks.Orders;

/// <summary>
/// The providers' state in a SQLite file (WAL): one connection, one transaction per call (<see cref="SerialSqlite"/>), so a charge and its
/// idempotency check, or a reservation and the stock it counts, are one atomic step. Amounts are stored in cents.
/// </summary>
public sealed class SqliteOrderProviderStore : IOrderProviderStore, IAsyncDisposable
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS charges (
          idem_key TEXT PRIMARY KEY, charge_id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL, cents INTEGER NOT NULL,
          currency TEXT NOT NULL, charged_at INTEGER NOT NULL, replays INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS charges_by_order ON charges (order_id);
        CREATE TABLE IF NOT EXISTS refunds (
          charge_id TEXT PRIMARY KEY, refund_id TEXT NOT NULL UNIQUE, cents INTEGER NOT NULL, refunded_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS voids (idem_key TEXT PRIMARY KEY, voided_at INTEGER NOT NULL, refused INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS stock (sku TEXT PRIMARY KEY, on_hand INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS reservations (
          res_key TEXT PRIMARY KEY, reservation_id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL, status INTEGER NOT NULL,
          expires_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS reservation_lines (res_key TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL, PRIMARY KEY (res_key, sku));
        CREATE INDEX IF NOT EXISTS lines_by_sku ON reservation_lines (sku);
        CREATE TABLE IF NOT EXISTS shipments (
          ship_key TEXT PRIMARY KEY, shipment_id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL, res_key TEXT NOT NULL, shipped_at INTEGER NOT NULL);
        """;

    private const string ChargeColumns = "c.charge_id, c.idem_key, c.order_id, c.cents, c.currency, c.charged_at, c.replays, r.refund_id";

    private readonly SerialSqlite _db;

    /// <summary>Creates the store over a file (created with its folder when missing).</summary>
    public SqliteOrderProviderStore(string path) => _db = new SerialSqlite(FileConnectionString(path), connection =>
        Execute(connection, "PRAGMA busy_timeout = 10000;" + Schema));

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellation = default) => InTransactionAsync(_ => 0, cancellation);

    /// <inheritdoc />
    public Task<(ChargeRecord? Charge, bool Replayed)> ChargeAsync(string idempotencyKey, string orderId, decimal amount, string currency, DateTimeOffset at, CancellationToken cancellation = default) =>
        InTransactionAsync<(ChargeRecord?, bool)>(connection =>
        {
            using (var voided = Command(connection, "UPDATE voids SET refused = refused + 1 WHERE idem_key = $k", ("$k", idempotencyKey)))
            {
                if (voided.ExecuteNonQuery() > 0)
                {
                    return (null, false);
                }
            }

            if (ReadCharge(connection, idempotencyKey) is { } existing)
            {
                Execute(connection, "UPDATE charges SET replays = replays + 1 WHERE idem_key = $k", ("$k", idempotencyKey));
                return (existing with { Replays = existing.Replays + 1 }, true);
            }

            Execute(connection, "INSERT INTO charges (idem_key, charge_id, order_id, cents, currency, charged_at) VALUES ($k, $id, $o, $c, $cur, $at)",
                ("$k", idempotencyKey), ("$id", NewId("ch")), ("$o", orderId), ("$c", Cents(amount)), ("$cur", currency), ("$at", at.ToUnixTimeMilliseconds()));
            return (ReadCharge(connection, idempotencyKey)!, false);
        }, cancellation);

    /// <inheritdoc />
    public Task<ChargeRecord?> GetChargeAsync(string idempotencyKey, CancellationToken cancellation = default) =>
        InTransactionAsync(connection => ReadCharge(connection, idempotencyKey), cancellation);

    /// <inheritdoc />
    public Task<RefundRecord?> RefundAsync(string chargeKey, DateTimeOffset at, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            if (ReadCharge(connection, chargeKey) is not { } charge)
            {
                Execute(connection, "INSERT OR IGNORE INTO voids (idem_key, voided_at) VALUES ($k, $at)", ("$k", chargeKey), ("$at", at.ToUnixTimeMilliseconds()));
                return null;
            }

            Execute(connection, "INSERT OR IGNORE INTO refunds (charge_id, refund_id, cents, refunded_at) VALUES ($c, $id, $cents, $at)",
                ("$c", charge.ChargeId), ("$id", NewId("re")), ("$cents", Cents(charge.Amount)), ("$at", at.ToUnixTimeMilliseconds()));
            using var read = Command(connection, "SELECT refund_id, cents, refunded_at FROM refunds WHERE charge_id = $c", ("$c", charge.ChargeId));
            using var reader = read.ExecuteReader();
            reader.Read();
            return new RefundRecord(reader.GetString(0), charge.ChargeId, FromCents(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));
        }, cancellation);

    /// <inheritdoc />
    public Task<LedgerSummary> GetLedgerSummaryAsync(CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            using var charges = Command(connection, """
                SELECT COUNT(*), COUNT(DISTINCT order_id), COALESCE(SUM(replays), 0), COALESCE(SUM(cents), 0),
                  (SELECT COUNT(*) FROM (SELECT order_id FROM charges GROUP BY order_id HAVING COUNT(*) > 1)),
                  (SELECT COUNT(*) FROM refunds), (SELECT COALESCE(SUM(cents), 0) FROM refunds),
                  (SELECT COUNT(*) FROM voids), (SELECT COALESCE(SUM(refused), 0) FROM voids)
                FROM charges
                """);
            using var reader = charges.ExecuteReader();
            reader.Read();
            return new LedgerSummary(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(4), reader.GetInt32(2), reader.GetInt32(5), FromCents(reader.GetInt64(3)), FromCents(reader.GetInt64(6)), reader.GetInt32(7), reader.GetInt32(8));
        }, cancellation);

    /// <inheritdoc />
    public Task SeedStockAsync(string sku, int onHand, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            Execute(connection, "INSERT OR IGNORE INTO stock (sku, on_hand) VALUES ($s, $n)", ("$s", sku), ("$n", onHand));
            return 0;
        }, cancellation);

    /// <inheritdoc />
    public Task<(int OnHand, int Free)> GetStockAsync(string sku, int defaultStock, DateTimeOffset now, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            var onHand = OnHand(connection, sku, defaultStock);
            return (onHand, onHand - Held(connection, sku, now));
        }, cancellation);

    /// <inheritdoc />
    public Task<ReserveOutcome> ReserveAsync(string key, string orderId, IReadOnlyList<OrderItem> items, int defaultStock, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            if (ReadReservation(connection, key) is { } existing)
            {
                return new ReserveOutcome(existing);
            }

            var lines = items.GroupBy(i => i.Sku, StringComparer.Ordinal).Select(g => (Sku: g.Key, Qty: g.Sum(i => i.Qty))).ToList();
            foreach (var (sku, qty) in lines)
            {
                var free = OnHand(connection, sku, defaultStock) - Held(connection, sku, now);
                if (free < qty)
                {
                    return new ReserveOutcome(null, sku, Math.Max(free, 0));
                }
            }

            Execute(connection, "INSERT INTO reservations (res_key, reservation_id, order_id, status, expires_at) VALUES ($k, $id, $o, $s, $e)",
                ("$k", key), ("$id", NewId("rs")), ("$o", orderId), ("$s", (int)ReservationStatus.Held), ("$e", expiresAt.ToUnixTimeMilliseconds()));
            foreach (var (sku, qty) in lines)
            {
                Execute(connection, "INSERT INTO reservation_lines (res_key, sku, qty) VALUES ($k, $s, $q)", ("$k", key), ("$s", sku), ("$q", qty));
            }

            return new ReserveOutcome(ReadReservation(connection, key));
        }, cancellation);

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(string reservationKey, DateTimeOffset now, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            if (ReadReservation(connection, reservationKey) is not { Status: ReservationStatus.Held } held)
            {
                return false;
            }

            Execute(connection, "UPDATE reservations SET status = $s WHERE res_key = $k", ("$s", (int)ReservationStatus.Released), ("$k", reservationKey));
            return held.ExpiresAt > now;
        }, cancellation);

    /// <inheritdoc />
    public Task<ShipOutcome> ShipAsync(string key, string reservationKey, string orderId, DateTimeOffset now, CancellationToken cancellation = default) =>
        InTransactionAsync(connection =>
        {
            using (var existing = Command(connection, "SELECT shipment_id, shipped_at FROM shipments WHERE ship_key = $k", ("$k", key)))
            using (var reader = existing.ExecuteReader())
            {
                if (reader.Read())
                {
                    return new ShipOutcome(new ShipmentRecord(reader.GetString(0), key, orderId, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
                }
            }

            var reservation = ReadReservation(connection, reservationKey);
            var refusal = reservation switch
            {
                null => "no stock reservation",
                { Status: ReservationStatus.Released } => "the stock reservation was released",
                { Status: ReservationStatus.Shipped } => "the stock reservation was already shipped",
                { ExpiresAt: var expires } when expires <= now => "the stock reservation expired",
                _ => null,
            };
            if (refusal is not null)
            {
                return new ShipOutcome(null, refusal);
            }

            Execute(connection, "UPDATE reservations SET status = $s WHERE res_key = $k", ("$s", (int)ReservationStatus.Shipped), ("$k", reservationKey));
            Execute(connection, """
                UPDATE stock SET on_hand = on_hand - (SELECT qty FROM reservation_lines l WHERE l.res_key = $k AND l.sku = stock.sku)
                  WHERE sku IN (SELECT sku FROM reservation_lines WHERE res_key = $k);
                """, ("$k", reservationKey));
            var shipment = new ShipmentRecord(NewId("sh"), key, orderId, now);
            Execute(connection, "INSERT INTO shipments (ship_key, shipment_id, order_id, res_key, shipped_at) VALUES ($k, $id, $o, $r, $at)",
                ("$k", key), ("$id", shipment.ShipmentId), ("$o", orderId), ("$r", reservationKey), ("$at", now.ToUnixTimeMilliseconds()));
            return new ShipOutcome(shipment);
        }, cancellation);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static int OnHand(SqliteConnection connection, string sku, int defaultStock)
    {
        // A SKU seen for the first time gets the default stock, written down so later reads agree.
        Execute(connection, "INSERT OR IGNORE INTO stock (sku, on_hand) VALUES ($s, $n)", ("$s", sku), ("$n", defaultStock));
        using var read = Command(connection, "SELECT on_hand FROM stock WHERE sku = $s", ("$s", sku));
        return Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static int Held(SqliteConnection connection, string sku, DateTimeOffset now)
    {
        using var read = Command(connection, """
            SELECT COALESCE(SUM(l.qty), 0) FROM reservation_lines l JOIN reservations r ON r.res_key = l.res_key
            WHERE l.sku = $s AND r.status = $held AND r.expires_at > $now
            """, ("$s", sku), ("$held", (int)ReservationStatus.Held), ("$now", now.ToUnixTimeMilliseconds()));
        return Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static ChargeRecord? ReadCharge(SqliteConnection connection, string key)
    {
        using var read = Command(connection, $"SELECT {ChargeColumns} FROM charges c LEFT JOIN refunds r ON r.charge_id = c.charge_id WHERE c.idem_key = $k", ("$k", key));
        using var reader = read.ExecuteReader();
        return reader.Read()
            ? new ChargeRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), FromCents(reader.GetInt64(3)), reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7))
            : null;
    }

    private static ReservationRecord? ReadReservation(SqliteConnection connection, string key)
    {
        using var read = Command(connection, "SELECT reservation_id, order_id, status, expires_at FROM reservations WHERE res_key = $k", ("$k", key));
        using var reader = read.ExecuteReader();
        return reader.Read()
            ? new ReservationRecord(reader.GetString(0), key, reader.GetString(1), (ReservationStatus)reader.GetInt32(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null;
    }

    private static long Cents(decimal amount) => (long)decimal.Round(amount * 100m, 0, MidpointRounding.AwayFromZero);

    private static decimal FromCents(long cents) => cents / 100m;

    private static string NewId(string prefix) => $"{prefix}_{Guid.NewGuid():N}";

    private Task<T> InTransactionAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellation) => _db.InTransactionAsync(work, cancellation);
}
