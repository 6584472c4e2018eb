using System.Collections.Concurrent;
using LocalRuntime.Functions.Http;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Grpc;

/// <summary>
/// Routes the worker's <c>RpcLog</c> messages into the host's <see cref="ILogger"/>s, filtered by level and category
/// (host.json <c>logging.logLevel</c>) before anything is formatted: a function's own logs during an invocation go to
/// <c>Function.{name}.User</c> as in the Functions host; the worker's other logs keep the worker's category.
/// </summary>
internal sealed partial class WorkerLogRouter(ILoggerFactory loggers, FunctionKeySecrets secrets)
{
    private readonly ConcurrentDictionary<string, ILogger> _byCategory = new(StringComparer.Ordinal);
    private readonly Func<string, ILogger> _create = loggers.CreateLogger;

    /// <summary>The logger of a function's own logs.</summary>
    public ILogger ForFunction(string functionName) => loggers.CreateLogger($"Function.{functionName}.User");

    public void Route(RpcLog log, LoadedFunction? function)
    {
        var level = ToLevel(log.Level);
        if (level == LogLevel.None || log.LogCategory == RpcLog.Types.RpcLogCategory.CustomMetric)
        {
            return;
        }

        var logger = function is not null && log.LogCategory == RpcLog.Types.RpcLogCategory.User
            ? function.UserLogger
            : _byCategory.GetOrAdd(string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category, _create);
        if (!logger.IsEnabled(level))
        {
            return;
        }

        // A key can reach a worker log through a URL (?code=); the host never writes one (keys are configured only rarely: cheap when none).
        var message = secrets.Redact(log.Message);
        var exception = log.Exception is { } rpc ? new WorkerException(secrets.Redact(rpc.Message), rpc.Type, rpc.StackTrace) : null;
        LogWorkerMessage(logger, level, message, exception);
    }

    private static LogLevel ToLevel(RpcLog.Types.Level level) => level switch
    {
        RpcLog.Types.Level.Trace => LogLevel.Trace,
        RpcLog.Types.Level.Debug => LogLevel.Debug,
        RpcLog.Types.Level.Information => LogLevel.Information,
        RpcLog.Types.Level.Warning => LogLevel.Warning,
        RpcLog.Types.Level.Error => LogLevel.Error,
        RpcLog.Types.Level.Critical => LogLevel.Critical,
        _ => LogLevel.None,
    };

    [LoggerMessage(EventId = 1200, Message = "{WorkerMessage}")]
    private static partial void LogWorkerMessage(ILogger logger, LogLevel level, string workerMessage, Exception? exception);
}
