using DurableTask.Core.History;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Sqlite;

/// <content>The provider's log messages (event ids 7100-7199).</content>
public sealed partial class SqliteOrchestrationService
{
    private static partial class Log
    {
        [LoggerMessage(7100, LogLevel.Information, "Opened {Path}: {Instances} instances with pending messages, {Activities} activity work items")]
        public static partial void Opened(ILogger logger, string path, int instances, int activities);

        [LoggerMessage(7101, LogLevel.Information, "Discarding {Count} message(s) for {InstanceId}: {Reason}")]
        public static partial void Discarding(ILogger logger, string instanceId, int count, string reason);

        [LoggerMessage(7102, LogLevel.Warning, "Abandoned the work item of {InstanceId}; its messages are visible again in {Delay}")]
        public static partial void Abandoned(ILogger logger, string instanceId, TimeSpan delay);

        [LoggerMessage(7103, LogLevel.Warning, "Abandoned activity work item {Id} of {InstanceId}; visible again in {Delay}")]
        public static partial void AbandonedActivity(ILogger logger, string instanceId, long id, TimeSpan delay);

        [LoggerMessage(7104, LogLevel.Warning, "The work item lock on {InstanceId} expired; its messages are handed out again")]
        public static partial void LockExpired(ILogger logger, string instanceId);

        [LoggerMessage(7105, LogLevel.Warning, "The lock on activity work item {Id} of {InstanceId} expired; it is handed out again")]
        public static partial void ActivityLockExpired(ILogger logger, string instanceId, long id);

        [LoggerMessage(7106, LogLevel.Information, "A second completion of activity work item {Id} of {InstanceId} was ignored (its result is already committed)")]
        public static partial void DuplicateCompletion(ILogger logger, string instanceId, long id);

        [LoggerMessage(7107, LogLevel.Information, "Dropped a {EventType} message to {InstanceId}: no such instance")]
        public static partial void DroppedMessage(ILogger logger, string instanceId, EventType eventType);

        [LoggerMessage(7108, LogLevel.Error, "Loading the history of {InstanceId} failed; its messages stay pending")]
        public static partial void LoadFailed(ILogger logger, string instanceId, Exception exception);

        [LoggerMessage(7109, LogLevel.Error, "Writing for {InstanceId} failed")]
        public static partial void CheckpointFailed(ILogger logger, string instanceId, Exception exception);
    }
}
