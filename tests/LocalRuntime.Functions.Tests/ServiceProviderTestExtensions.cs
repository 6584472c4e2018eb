using LocalRuntime.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace LocalRuntime.Functions.Tests;

internal static class ServiceProviderTestExtensions
{
    /// <summary>Invocations in flight on the current worker's channel (internal state, for waiting without sleeps).</summary>
    public static int GetInFlight(this IServiceProvider services)
    {
        var supervisor = services.GetRequiredService<WorkerSupervisor>();
        return supervisor.IsReady ? supervisor.GetReadyAsync(CancellationToken.None).AsTask().Result.Channel.InFlight : -1;
    }
}
