using LocalRuntime.Functions.Hosting;

namespace LocalRuntime.Host;

/// <summary>The one place the host's extensions are registered (Durable, queue and timer triggers join here).</summary>
internal static class Composition
{
    public static void AddExtensions(LocalFunctionsHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Each extension registers itself as an IHostExtension singleton, e.g.:
        // builder.Services.AddSingleton<IHostExtension, DurableExtension>();
    }
}
