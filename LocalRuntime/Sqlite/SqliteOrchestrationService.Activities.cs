using System.Globalization;
using System.Diagnostics;
using DurableTask.Core;
using LocalRuntime.Sqlite.Dispatch;
using LocalRuntime.Sqlite.Storage;

namespace LocalRuntime.Sqlite;

/// <content>Activity work items: lock, complete (exactly once), abandon, renew, lock expiry.</content>
public sealed partial class SqliteOrchestrationService
{
    /// <inheritdoc />
    public async Task<TaskActivityWorkItem?> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task wait;
            CancellationToken shutdown;
            lock (_gate)
            {
                if (_store is null)
                {
                    return null;
                }

                shutdown = _shutdown.Token;
                var now = UtcNow;
                while (_readyActivities.TryDequeue(out var activity))
                {
                    activity.Queued = false;
                    if (activity.Done || activity.LockToken != 0)
                    {
                        continue;
                    }

                    var token = NewToken();
                    activity.LockToken = token;
                    activity.LockedUntil = now + _options.WorkItemLockTimeout;
                    activity.DeliveryCount++;
                    AddDue(new DueItem(null, activity, token), activity.LockedUntil);
                    return new LockedActivityWorkItem(activity, token)
                    {
                        Id = activity.Id.ToString(CultureInfo.InvariantCulture),
                        TaskMessage = activity.Message,
                        LockedUntilUtc = activity.LockedUntil,
                        DeliveryAttempt = activity.DeliveryCount,
                    };
                }

                wait = _activitySignal.WaitTask;
            }

            var remaining = receiveTimeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero || !await WaitAsync(wait, remaining, cancellationToken, shutdown))
            {
                return null;
            }
        }
    }

    /// <inheritdoc />
    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem)
    {
        var item = (LockedActivityWorkItem)workItem;
        lock (_gate)
        {
            if (item.Entry.LockToken == item.Token && !item.Entry.Done)
            {
                item.Entry.LockedUntil = UtcNow + _options.WorkItemLockTimeout;
                item.LockedUntilUtc = item.Entry.LockedUntil;
            }
            else
            {
                // As Microsoft's provider: a lost work item reads as expired now.
                item.LockedUntilUtc = UtcNow;
            }
        }

        return Task.FromResult<TaskActivityWorkItem>(item);
    }

    /// <summary>
    /// Commits the activity's result once: the work item's row is deleted and the result message added in one
    /// savepoint; a second completion (after the lock expired and the activity ran again, or a duplicate call)
    /// finds no row and adds nothing, whichever lock it holds.
    /// </summary>
    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        var item = (LockedActivityWorkItem)workItem;
        return Store.Enqueue(new ActivityCompletion(this, item.Entry, responseMessage));
    }

    /// <inheritdoc />
    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        var item = (LockedActivityWorkItem)workItem;
        lock (_gate)
        {
            var activity = item.Entry;
            if (activity.LockToken == item.Token && !activity.Done)
            {
                activity.LockToken = 0;
                var delay = AbandonDelay(activity.DeliveryCount);
                activity.VisibleAt = UtcNow + delay;
                Log.AbandonedActivity(_logger, activity.InstanceId, activity.Id, delay);
                MakeActivityReady(activity);
            }
        }

        return Task.CompletedTask;
    }

    private void ExpireActivityLock(ActivityEntry activity, long token, DateTime now)
    {
        if (activity.LockToken != token || activity.Done)
        {
            return;
        }

        if (activity.LockedUntil > now)
        {
            AddDue(new DueItem(null, activity, token), activity.LockedUntil);
            return;
        }

        Log.ActivityLockExpired(_logger, activity.InstanceId, activity.Id);
        activity.LockToken = 0;
        activity.VisibleAt = now;
        MakeActivityReady(activity);
    }

    private sealed class ActivityCompletion(SqliteOrchestrationService service, ActivityEntry activity, TaskMessage response) : WriteOperation
    {
        private readonly string _json = DataJson.Serialize(response);
        private PendingMessage? _inserted;
        private bool _first;

        public override void Apply(StoreWriter writer)
        {
            _first = writer.DeleteActivity(activity.Id);
            if (!_first)
            {
                return;
            }

            // The row existed, so the instance does too: a purge deletes an instance's activity rows with it.
            var key = InstanceKey.Encode(response.OrchestrationInstance.InstanceId);
            var id = writer.NextId();
            var now = service.UtcNow;
            writer.InsertMessage(id, key, DataJson.Ticks(now), _json);
            _inserted = new PendingMessage(id, response, now);
        }

        public override void Committed()
        {
            lock (service._gate)
            {
                activity.Done = true;
                activity.LockToken = 0;
                service._activities.Remove(activity.Id);
                if (!_first)
                {
                    Log.DuplicateCompletion(service._logger, activity.InstanceId, activity.Id);
                }

                if (_inserted is not null)
                {
                    var entry = service.GetOrAddEntry(response.OrchestrationInstance.InstanceId);
                    entry.Pending.Add(_inserted);
                    service.OnMessagesAdded(entry, service.UtcNow);
                }
            }
        }
    }
}
