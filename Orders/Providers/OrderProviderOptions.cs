namespace ServerlessTasks.Orders.Providers;

/// <summary>
/// The simulated providers, bound from the <c>Orders</c> settings section (e.g. <c>Orders:Gateway:FailureRate</c>,
/// environment <c>Orders__Gateway__FailureRate</c>). Defaults: fast and reliable.
/// </summary>
public sealed class OrderProviderOptions
{
    /// <summary>The payment gateway.</summary>
    public GatewayOptions Gateway { get; set; } = new();

    /// <summary>The inventory service.</summary>
    public InventoryOptions Inventory { get; set; } = new();

    /// <summary>The warehouse and carrier (packing, shipping).</summary>
    public ShippingOptions Shipping { get; set; } = new();

    /// <summary>The fraud check.</summary>
    public FraudOptions Fraud { get; set; } = new();

    /// <summary>The customer notifier.</summary>
    public FaultOptions Notifier { get; set; } = new();

    /// <summary>Seed of the simulations' random numbers; null for a fresh one each start.</summary>
    public int? Seed { get; set; }
}

/// <summary>How a simulated provider misbehaves.</summary>
public class FaultOptions
{
    /// <summary>Mean latency of a call, in milliseconds.</summary>
    public double LatencyMs { get; set; } = 5;

    /// <summary>Uniform jitter added to the latency, 0 to this many milliseconds.</summary>
    public double LatencyJitterMs { get; set; } = 5;

    /// <summary>Share of calls (0-1) that fail with a retryable error.</summary>
    public double FailureRate { get; set; }

    /// <summary>Share of calls (0-1) that are slow (a delay spike of <see cref="SlowMs"/>).</summary>
    public double SlowRate { get; set; }

    /// <summary>The extra latency of a slow call, in milliseconds.</summary>
    public double SlowMs { get; set; } = 2_000;

    /// <summary>Windows when every call fails (the provider is down), in absolute time, so they survive a restart.</summary>
    public IList<OutageOptions> Outages { get; } = [];
}

/// <summary>An outage window.</summary>
public sealed class OutageOptions
{
    /// <summary>When it starts.</summary>
    public DateTimeOffset Start { get; set; }

    /// <summary>How long it lasts, in seconds.</summary>
    public double Seconds { get; set; }

    /// <summary>Whether <paramref name="now"/> falls inside it.</summary>
    public bool Covers(DateTimeOffset now) => now >= Start && now < Start.AddSeconds(Seconds);
}

/// <summary>The payment gateway.</summary>
public sealed class GatewayOptions : FaultOptions
{
    /// <summary>Of the failed calls, the share (0-1) that fail after the charge was recorded (the answer is lost): the retry must not charge again.</summary>
    public double LostResponseShare { get; set; } = 0.5;

    /// <summary>Amounts above this are declined (not retryable); null: none.</summary>
    public decimal? DeclineAbove { get; set; }
}

/// <summary>The inventory service.</summary>
public sealed class InventoryOptions : FaultOptions
{
    /// <summary>Stock on hand of a SKU the store has not seen yet.</summary>
    public int DefaultStock { get; set; } = 1_000_000;

    /// <summary>How long a reservation holds its stock unless shipped, in seconds.</summary>
    public double ReservationSeconds { get; set; } = 900;

    /// <summary>Stock on hand per SKU set at start (e.g. <c>Orders:Inventory:Stock:sku-rare = 5</c>).</summary>
    public IDictionary<string, int> Stock { get; } = new Dictionary<string, int>(StringComparer.Ordinal);
}

/// <summary>The warehouse and carrier.</summary>
public sealed class ShippingOptions : FaultOptions
{
    /// <summary>SKUs the carrier refuses (not retryable), e.g. to see a shipping failure compensated.</summary>
    public IList<string> Undeliverable { get; } = [];
}

/// <summary>The fraud check.</summary>
public sealed class FraudOptions : FaultOptions
{
    /// <summary>Orders above this amount are rejected (not retryable).</summary>
    public decimal RejectAbove { get; set; } = 100_000m;
}
