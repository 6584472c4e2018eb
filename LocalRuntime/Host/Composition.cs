using LocalRuntime.Durable.Hosting;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Queues;
using LocalRuntime.Timers;

namespace LocalRuntime.Host;

/// <summary>The one place the host's extensions are registered (Durable, queue and timer triggers join here).</summary>
public static class Composition
{
    /// <summary>Registers Durable, queue and timer triggers on <paramref name="builder"/> (tests compose their hosts the same way).</summary>
    public static void AddExtensions(LocalFunctionsHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Each extension registers itself as an IHostExtension singleton.
        builder.Services.AddDurableTask(builder.Configuration);
        builder.Services.AddQueueTriggers(builder.Configuration);
        builder.Services.AddTimerTriggers(builder.Configuration);
    }
}
