using DurableTask.Core;
using LocalRuntime.Durable.Hosting;
using LocalRuntime.Sqlite;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Backends;

/// <summary>Our embedded SQLite provider (LocalRuntime.Sqlite), configured from the host's options.</summary>
internal static class SqliteBackend
{
    public static IOrchestrationService Create(DurableHostOptions options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Directory.CreateDirectory(options.DataPath);
        return new SqliteOrchestrationService(new SqliteOrchestrationServiceOptions
        {
            DatabasePath = options.SqlitePath,
            TaskHubName = options.HubName,
            TimeProvider = time,
            LoggerFactory = loggerFactory,
            MaxConcurrentActivityWorkItems = options.MaxConcurrentActivityFunctions,
            MaxConcurrentOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions,
            MaxConcurrentEntityWorkItems = options.MaxConcurrentEntityFunctions,
            ExtendedSessionsEnabled = options.ExtendedSessionsEnabled,
            ExtendedSessionIdleTimeout = options.ExtendedSessionIdleTimeout,
            UseSeparateQueueForEntityWorkItems = true,
            PriorityAgingStep = options.PriorityAgingStep,
        });
    }
}
