using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessTasks.Activities.Workers;
using ServerlessTasks.Domain.Scheduling;
using ServerlessTasks.Domain.Workers;
using ServerlessTasks.Functions.Health;
using ServerlessTasks.Functions.Proctor;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Workers;

/// <summary>Registers external workers, the proctor and the health checks (settings in docs/deployment.md).</summary>
public static class WorkerServices
{
    /// <summary>
    /// The worker store follows <c>TaskIndex:Provider</c>: <c>sqlite</c> (file <c>Workers:StorePath</c>, default
    /// <c>workers.db</c> beside the task index) or <c>memory</c>.
    /// </summary>
    public static IWorkerLeaseStore CreateStore(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return (configuration["TaskIndex:Provider"] ?? "sqlite").ToLowerInvariant() switch
        {
            "memory" => SqliteWorkerLeaseStore.InMemory(),
            _ => new SqliteWorkerLeaseStore(configuration["Workers:StorePath"]
                ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configuration["TaskIndex:Path"] ?? Path.Combine(".data", "tasks.db")))!, "workers.db")),
        };
    }

    /// <summary>The worker timing from <c>Workers:*</c> (seconds).</summary>
    public static WorkerSettings ReadSettings(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = new WorkerSettings();
        return new WorkerSettings
        {
            HeartbeatInterval = Seconds(configuration, "Workers:HeartbeatIntervalSeconds", defaults.HeartbeatInterval),
            DeadAfter = Seconds(configuration, "Workers:DeadAfterSeconds", defaults.DeadAfter),
            LeaseTimeout = Seconds(configuration, "Workers:LeaseTimeoutSeconds", defaults.LeaseTimeout),
            MaxRequeues = Number(configuration, "Workers:MaxRequeues", defaults.MaxRequeues),
            AgingStep = Seconds(configuration, "Workers:AgingStepSeconds", defaults.AgingStep),
            ForgetDeadAfter = Seconds(configuration, "Workers:ForgetDeadAfterSeconds", defaults.ForgetDeadAfter),
            NoWorkerAfter = Seconds(configuration, "Workers:NoWorkerAfterSeconds", defaults.NoWorkerAfter),
            RedeliverAfter = Seconds(configuration, "Workers:RedeliverAfterSeconds", defaults.RedeliverAfter),
        };
    }

    /// <summary>Registers the worker store, the work queue, the proctor and the health checks.</summary>
    public static IServiceCollection AddExternalWorkers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(_ => CreateStore(configuration));
        services.TryAddSingleton(_ => ReadSettings(configuration));
        services.TryAddSingleton(sp => LeaseSelector.DefaultPolicy(sp.GetRequiredService<WorkerSettings>().AgingStep));
        services.TryAddSingleton<WorkSignal>();
        services.TryAddSingleton(sp => new WorkQueue(
            sp.GetRequiredService<IWorkerLeaseStore>(),
            sp.GetRequiredService<WorkerSettings>(),
            sp.GetRequiredService<IPriorityPolicy>(),
            sp.GetRequiredService<WorkSignal>(),
            sp.GetRequiredService<Activities.Events.HostClock>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ITenantDirectory>()));
        services.TryAddSingleton<OutcomeDelivery>();
        services.TryAddSingleton<WorkerEvents>();
        services.TryAddSingleton(_ => new ProctorSettings
        {
            StuckAfter = Seconds(configuration, "Proctor:StuckAfterSeconds", new ProctorSettings().StuckAfter),
            DeadlineMargin = Seconds(configuration, "Proctor:DeadlineMarginSeconds", new ProctorSettings().DeadlineMargin),
        });
        services.TryAddSingleton<ProctorSweep>();
        services.TryAddSingleton(_ => new HealthSettings
        {
            MaxQueueDepth = Number(configuration, "Health:MaxQueueDepth", new HealthSettings().MaxQueueDepth),
            MaxPendingAge = Seconds(configuration, "Health:MaxPendingAgeSeconds", new HealthSettings().MaxPendingAge),
        });
        // Checks with this tag (HealthApi.Tag) show under checks and reasons; the pools entry is read by HealthApi itself (Durable client).
        services.AddHealthChecks()
            .AddCheck<TaskStoreHealthCheck>("task_store", tags: [HealthApi.Tag])
            .AddCheck<WorkQueueHealthCheck>("work_queue", tags: [HealthApi.Tag])
            .AddCheck<WorkersHealthCheck>("workers", tags: [HealthApi.Tag]);
        return services;
    }

    private static TimeSpan Seconds(IConfiguration configuration, string key, TimeSpan fallback) =>
        configuration[key] is { Length: > 0 } text
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new InvalidOperationException($"The setting {key} must be a positive number of seconds; it is '{text}'.")
            : fallback;

    private static int Number(IConfiguration configuration, string key, int fallback) =>
        configuration[key] is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 0
                ? number
                : throw new InvalidOperationException($"The setting {key} must be a whole number, 0 or more; it is '{text}'.")
            : fallback;
}
