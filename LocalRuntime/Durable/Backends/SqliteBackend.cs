using DurableTask.Core;
using LocalRuntime.Durable.Hosting;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Backends;

/// <summary>Our embedded SQLite provider (LocalRuntime.Sqlite), configured from the host's options.</summary>
internal static class SqliteBackend
{
    public static IOrchestrationService Create(DurableHostOptions options, TimeProvider time, ILoggerFactory loggerFactory) =>
        throw new NotSupportedException("The SQLite durable store is not built into this host yet; set LocalRuntime:DurableStore to azurestorage.");
}
