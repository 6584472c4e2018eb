using ServerlessTasks.Orders;
using ServerlessTasks.Orders.Providers;

namespace ServerlessTasks.Activities.Orders;

/// <summary>
/// The order providers the activities call, and their store. The store is opened and the configured stock seeded
/// once, on the first call (not at start-up, so an app that takes no orders never opens the file).
/// </summary>
public sealed class OrderProviders(
    IOrderProviderStore store,
    IPaymentGateway gateway,
    IFraudCheck fraud,
    IInventoryService inventory,
    IShippingService shipping,
    ICustomerNotifier notifier,
    OrderProviderOptions options)
{
    private readonly Lock _gate = new();
    private Task? _ready;

    /// <summary>The providers' store.</summary>
    public IOrderProviderStore Store => store;

    /// <summary>The payment gateway.</summary>
    public IPaymentGateway Gateway => gateway;

    /// <summary>The fraud check.</summary>
    public IFraudCheck Fraud => fraud;

    /// <summary>The inventory service.</summary>
    public IInventoryService Inventory => inventory;

    /// <summary>The warehouse and carrier.</summary>
    public IShippingService Shipping => shipping;

    /// <summary>The customer notifier.</summary>
    public ICustomerNotifier Notifier => notifier;

    /// <summary>Opens the store and seeds the configured stock (once; again after a failure).</summary>
    public Task EnsureReadyAsync()
    {
        lock (_gate)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = InitializeAsync();
            }

            return _ready;
        }
    }

    private async Task InitializeAsync()
    {
        await store.InitializeAsync();
        foreach (var (sku, onHand) in options.Inventory.Stock)
        {
            await store.SeedStockAsync(sku, onHand);
        }
    }
}
