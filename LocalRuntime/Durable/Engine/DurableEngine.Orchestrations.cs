using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Engine;

public sealed partial class DurableEngine
{
    private readonly SessionCache _cache;

    private async Task RunOrchestrationWorkerAsync()
    {
        using var waiter = new WorkQueue<InstanceMailbox>.Waiter(_readyInstances, _time, Timeout.InfiniteTimeSpan);
        while (await _readyInstances.WaitAsync(waiter))
        {
            while (_readyInstances.TryRead(out var mailbox))
            {
                await ProcessMailboxAsync(mailbox);
            }
        }
    }

    private async Task ProcessMailboxAsync(InstanceMailbox mailbox)
    {
        List<OrchestrationMessage> batch;
        lock (mailbox)
        {
            batch = mailbox.Pending;
            mailbox.Pending = mailbox.Spare ?? [];
            mailbox.Spare = null;
        }

        try
        {
            await RunEpisodeAsync(mailbox, batch);
            mailbox.Failures = 0;
            batch.Clear();
            mailbox.Spare = batch; // only this episode touches it; the next one swaps it in
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // The store did not take the checkpoint (or the engine has a bug): forget the cached
            // session, put the messages back and try again after a back-off. Nothing was consumed.
            mailbox.Failures++;
            mailbox.Session = null;
            _cache.Remove(mailbox);
            _logger.LogError(ex, "Episode of instance {InstanceId} failed (attempt {Attempt}); retrying.", mailbox.InstanceId, mailbox.Failures);
            var delay = TimeSpan.FromTicks(Math.Min(_options.StoreRetryDelay.Ticks << Math.Min(mailbox.Failures - 1, 6), TimeSpan.FromSeconds(5).Ticks));
            lock (mailbox)
            {
                mailbox.Pending.InsertRange(0, batch);
            }

            await Task.Delay(delay, _time, CancellationToken.None);
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            return;
        }

        lock (mailbox)
        {
            if (mailbox.Pending.Count > 0 && !_stopping.IsCancellationRequested)
            {
                _readyInstances.TryWrite(mailbox);
            }
            else
            {
                mailbox.Scheduled = false;
                if (mailbox.Pending.Count == 0 && mailbox.Held.Count == 0 && mailbox.Session is null or { IsFinished: true })
                {
                    _mailboxes.TryRemove(new KeyValuePair<string, InstanceMailbox>(mailbox.InstanceId, mailbox));
                    _cache.Remove(mailbox);
                }
            }
        }
    }

    private async Task RunEpisodeAsync(InstanceMailbox mailbox, List<OrchestrationMessage> batch)
    {
        if (IsEntityId(mailbox.InstanceId))
        {
            await RunEntityEpisodeAsync(mailbox, batch);
            return;
        }

        var session = mailbox.Session;
        var startMessage = batch.Find(m => m.Event.Type == HistoryEventType.ExecutionStarted);
        if (session is null || (startMessage is not null && startMessage.ExecutionId != session.State.ExecutionId))
        {
            session = await LoadSessionAsync(mailbox.InstanceId);
            mailbox.Session = session;
        }

        if (session is null)
        {
            _logger.LogWarning("Discarding {Count} messages for unknown instance {InstanceId}.", batch.Count, mailbox.InstanceId);
            await Store.DiscardMessagesAsync([.. batch.Select(m => m.Id)]);
            return;
        }

        if (session.State.Status == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Failed
            && batch.Exists(static m => m.Event.Type == HistoryEventType.ExecutionRewound))
        {
            await RewindAsync(mailbox, session, batch);
            return;
        }

        var episode = new Episode(this, session, mailbox);
        episode.Run(batch);
        if (episode.IsEmpty)
        {
            if (episode.Consumed.Count > 0)
            {
                await Store.DiscardMessagesAsync(episode.Consumed);
            }

            return;
        }

        var checkpoint = episode.BuildCheckpoint();
        var previousStatus = session.State.Status;
        await Store.CommitCheckpointAsync(checkpoint);
        session.State = checkpoint.State;

        if (episode.EndsSession || _options.MaxCachedOrchestrations == 0)
        {
            mailbox.Session = null;
            _cache.Remove(mailbox);
        }
        else
        {
            var evicted = _cache.Touch(mailbox);
            if (evicted is not null)
            {
                Evict(evicted);
            }
        }

        // Indexed loops: foreach over the IReadOnlyList interfaces would box an enumerator per episode.
        var activities = checkpoint.NewActivities;
        for (var i = 0; i < activities.Count; i++)
        {
            EnqueueActivity(activities[i]);
        }

        var outbound = checkpoint.OutboundMessages;
        for (var i = 0; i < outbound.Count; i++)
        {
            Route(outbound[i]);
        }

        if (checkpoint.State.Status != previousStatus)
        {
            NotifyStateChanged(checkpoint.State);
        }
    }

    private static void Evict(List<InstanceMailbox> evicted)
    {
        foreach (var other in evicted)
        {
            lock (other)
            {
                // A mailbox in the middle of an episode keeps its session; it is re-cached afterwards.
                if (!other.Scheduled)
                {
                    other.Session = null;
                }
            }
        }
    }

    /// <summary>Builds a session from the store: state plus a replay of the stored history.</summary>
    private async Task<OrchestrationSession?> LoadSessionAsync(string instanceId)
    {
        var state = await Store.GetInstanceAsync(instanceId);
        if (state is null)
        {
            return null;
        }

        var history = await Store.GetHistoryAsync(instanceId);
        var session = new OrchestrationSession(state, new LocalOrchestrationContext(instanceId, _loggerFactory));
        OrchestrationReplayer.Replay(session, history, _registry);
        return session;
    }
}
