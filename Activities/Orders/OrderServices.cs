using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Orders;
using ServerlessTasks.Orders.Providers;

namespace ServerlessTasks.Activities.Orders;

/// <summary>The order pipeline's services: the providers (simulated unless registered before) and their store.</summary>
public static class OrderServices
{
    /// <summary>
    /// The providers' store on the task index's provider (<c>TaskIndex:Provider</c>): <c>sqlite</c> or
    /// <c>tables</c> (file <c>Orders:StorePath</c>, default <c>orders.db</c> beside the task index) or <c>memory</c>.
    /// </summary>
    public static IOrderProviderStore CreateStore(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return (configuration["TaskIndex:Provider"] ?? "sqlite").ToLowerInvariant() switch
        {
            "memory" => new InMemoryOrderProviderStore(),
            // With tables the simulated providers still keep their state in SQLite (one instance): they stand in for
            // outside services, whose state would not live in the app's tables anyway.
            "sqlite" or "tables" => new SqliteOrderProviderStore(configuration["Orders:StorePath"]
                ?? Path.Combine(Path.GetDirectoryName(configuration["TaskIndex:Path"] ?? Path.Combine(".data", "tasks.db")) is { Length: > 0 } folder ? folder : ".", "orders.db")),
            var other => throw new InvalidOperationException($"Unknown TaskIndex:Provider '{other}'; use 'sqlite', 'tables' or 'memory'."),
        };
    }

    /// <summary>Registers the order providers and the order policy; settings under <c>Orders</c> (see <see cref="OrderProviderOptions"/>) and <c>Orders:Policy</c> (see <see cref="OrderPolicy"/>).</summary>
    public static IServiceCollection AddOrderProviders(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(_ =>
        {
            var options = new OrderProviderOptions();
            configuration.GetSection("Orders").Bind(options);
            return options;
        });
        services.TryAddSingleton(_ => CreateStore(configuration));
        // Priorities, step timeouts, deadlines and retries per tier (Orders:Policy:*), read by the API and the activities.
        services.TryAddSingleton(_ => configuration.GetSection("Orders:Policy").Get<OrderPolicy>() ?? OrderPolicy.Default);
        FaultSimulator Faults(IServiceProvider sp, string name, FaultOptions options) =>
            new(name, options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<OrderProviderOptions>().Seed);
        services.TryAddSingleton<IPaymentGateway>(sp =>
        {
            var options = sp.GetRequiredService<OrderProviderOptions>().Gateway;
            return new SimulatedPaymentGateway(sp.GetRequiredService<IOrderProviderStore>(), options, Faults(sp, "payment gateway", options));
        });
        services.TryAddSingleton<IFraudCheck>(sp =>
        {
            var options = sp.GetRequiredService<OrderProviderOptions>().Fraud;
            return new SimulatedFraudCheck(options, Faults(sp, "fraud check", options));
        });
        services.TryAddSingleton<IInventoryService>(sp =>
        {
            var options = sp.GetRequiredService<OrderProviderOptions>().Inventory;
            return new SimulatedInventory(sp.GetRequiredService<IOrderProviderStore>(), options, Faults(sp, "inventory service", options));
        });
        services.TryAddSingleton<IShippingService>(sp =>
        {
            var options = sp.GetRequiredService<OrderProviderOptions>().Shipping;
            return new SimulatedShipping(sp.GetRequiredService<IOrderProviderStore>(), options, Faults(sp, "carrier", options));
        });
        services.TryAddSingleton<ICustomerNotifier>(sp => new SimulatedNotifier(Faults(sp, "notifier", sp.GetRequiredService<OrderProviderOptions>().Notifier)));
        services.TryAddSingleton<OrderProviders>();
        return services;
    }
}
