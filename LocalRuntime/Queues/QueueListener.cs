using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Queues;

/// <summary>
/// Runs one queue-triggered function as Microsoft's queue listener does: receives up to <c>batchSize</c> messages,
/// hidden for 10 minutes (renewed at half time while the function runs), invokes the function for each, deletes a
/// message on success; on failure makes it visible again after <c>visibilityTimeout</c>, or, once it has been
/// dequeued <c>maxDequeueCount</c> times, copies it to <c>&lt;queue&gt;-poison</c> and deletes it. A new batch is fetched
/// as soon as no more than <c>newBatchThreshold</c> are in flight.
/// </summary>
/// <remarks>
/// An empty queue is re-read after a randomized exponential backoff from 100 ms up to <c>maxPollingInterval</c>, or at
/// once when the store signals a message for this queue (the embedded queue signals every change and tells when the
/// next hidden message shows, so it is never polled; an Azure queue is signalled for this host's own writes).
/// </remarks>
internal sealed partial class QueueListener : IAsyncDisposable
{
    /// <summary>How long a received message is hidden while the function runs (the extension's fixed 10 minutes).</summary>
    internal static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>The shortest poll interval (the extension's 100 ms).</summary>
    internal static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest wait before retrying a failed lease renewal.</summary>
    internal static readonly TimeSpan MinimumRenewalInterval = TimeSpan.FromMinutes(1);

    private readonly FunctionDescriptor _function;
    private readonly IQueueStore _store;
    private readonly IFunctionsHost _host;
    private readonly QueuesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _poisonQueue;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly CancellationTokenSource _abortExecutions = new();
    private readonly List<Task> _processing = [];
    private int _emptyPolls;
    private Task? _loop;

    public QueueListener(FunctionDescriptor function, string queueName, IQueueStore store, IFunctionsHost host, QueuesOptions options, TimeProvider time, ILogger logger)
    {
        _function = function;
        QueueName = queueName;
        _store = store;
        _host = host;
        _options = options;
        _time = time;
        _logger = logger;
        _poisonQueue = QueueNames.PoisonQueueOf(queueName);
    }

    public string QueueName { get; }

    public string FunctionName => _function.Name;

    /// <summary>Deliveries whose invocation has started, for diagnostics and tests.</summary>
    public long Invocations => Interlocked.Read(ref _invocations);

    private long _invocations;

    public void Start()
    {
        _store.MessageAdded += OnMessageAdded;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Stops receiving; lets running invocations finish until <paramref name="cancellation"/>, then cancels them.</summary>
    public async Task StopAsync(CancellationToken cancellation)
    {
        _store.MessageAdded -= OnMessageAdded;
        await _stopReceiving.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        Task[] running;
        lock (_processing)
        {
            running = [.. _processing];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(_logger, _function.Name, QueueName);
            await _abortExecutions.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _store.MessageAdded -= OnMessageAdded;
        _wake.Dispose();
        _stopReceiving.Dispose();
        _abortExecutions.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnMessageAdded(string queue)
    {
        if (string.Equals(queue, QueueName, StringComparison.Ordinal))
        {
            Wake();
        }
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task RunAsync()
    {
        var stopping = _stopReceiving.Token;
        var created = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!created)
                {
                    await _store.CreateIfNotExistsAsync(QueueName, stopping).ConfigureAwait(false);
                    created = true;
                }

                var batch = await _store.ReceiveAsync(QueueName, _options.BatchSize, Lease, stopping).ConfigureAwait(false);
                if (batch.Count > 0)
                {
                    _emptyPolls = 0;
                    lock (_processing)
                    {
                        foreach (var message in batch)
                        {
                            _processing.Add(ProcessAsync(message));
                        }
                    }

                    await WaitForNewBatchThresholdAsync(stopping).ConfigureAwait(false);
                    continue;
                }

                await WaitForWorkAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A store error (Azurite down, a locked file): back off as for an empty queue and try again.
                LogReceiveFailed(_logger, ex, _function.Name, QueueName);
                created = false;
                try
                {
                    await WaitForWorkAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task WaitForNewBatchThresholdAsync(CancellationToken stopping)
    {
        while (true)
        {
            Task[] running;
            lock (_processing)
            {
                _processing.RemoveAll(t => t.IsCompleted);
                if (_processing.Count <= _options.EffectiveNewBatchThreshold)
                {
                    return;
                }

                running = [.. _processing];
            }

            await Task.WhenAny(running).WaitAsync(stopping).ConfigureAwait(false);
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stopping)
    {
        var delay = NextPollDelay();
        DateTimeOffset? visibleAt = null;
        if (_store.IsSignalled && await _store.GetNextVisibleTimeAsync(QueueName, stopping).ConfigureAwait(false) is { } next)
        {
            visibleAt = next;
            var untilVisible = next - _time.GetUtcNow();
            delay = untilVisible < delay ? untilVisible : delay;
        }

        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(delay, _time);

        // The clock may have moved between reading it and registering the timeout: the wait would then start late.
        if (visibleAt is { } due && _time.GetUtcNow() >= due)
        {
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            await _wake.WaitAsync(linked.Token).ConfigureAwait(false);
            _emptyPolls = 0;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // The poll interval passed.
        }
    }

    /// <summary>
    /// Randomized exponential backoff between the minimum and <c>maxPollingInterval</c>. A signalled store needs no
    /// ramp: it is re-read on its signal, at its next visibility time, or after the maximum.
    /// </summary>
    private TimeSpan NextPollDelay()
    {
        var max = _options.MaxPollingInterval < MinimumPollingInterval ? MinimumPollingInterval : _options.MaxPollingInterval;
        if (_store.IsSignalled)
        {
            return max;
        }

        var step = Math.Min(_emptyPolls++, 16);
        var ticks = MinimumPollingInterval.Ticks * (1L << step);
        var jittered = (long)(ticks * (0.8 + (0.4 * Random.Shared.NextDouble())));
        return TimeSpan.FromTicks(Math.Clamp(jittered, MinimumPollingInterval.Ticks, max.Ticks));
    }

    private async Task ProcessAsync(QueueMessage message)
    {
        await Task.Yield();
        var settle = CancellationToken.None;
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                // Already delivered as often as allowed (e.g. it brought the host down each time): never run it again.
                await MoveToPoisonAsync(message, settle).ConfigureAwait(false);
                return;
            }

            using var renewal = new LeaseRenewal(this, message);
            var succeeded = await InvokeAsync(message).ConfigureAwait(false);
            var current = await renewal.StopAsync().ConfigureAwait(false);
            if (current is null)
            {
                LogLeaseLost(_logger, message.Id, QueueName);
                return;
            }

            if (succeeded)
            {
                if (!await _store.DeleteAsync(current, settle).ConfigureAwait(false))
                {
                    LogLeaseLost(_logger, message.Id, QueueName);
                }
            }
            else if (_poisonQueue is null)
            {
                // As the extension does for a queue without a poison queue: left hidden until its lease ends, no fast loop.
            }
            else if (current.DequeueCount >= _options.MaxDequeueCount)
            {
                await MoveToPoisonAsync(current, settle).ConfigureAwait(false);
            }
            else
            {
                LogRetry(_logger, _function.Name, message.Id, current.DequeueCount, _options.MaxDequeueCount, _options.VisibilityTimeout);
                await _store.UpdateVisibilityAsync(current, _options.VisibilityTimeout, settle).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogSettleFailed(_logger, ex, _function.Name, message.Id);
        }
    }

    /// <summary>Runs the function for one delivery; true when the worker reported success (its outputs written by the host).</summary>
    private async Task<bool> InvokeAsync(QueueMessage message)
    {
        Interlocked.Increment(ref _invocations);
        try
        {
            var response = await _host.InvokeAsync(
                _function,
                QueueTriggerData.Input(_function.Trigger, message),
                QueueTriggerData.Metadata(message),
                _abortExecutions.Token).ConfigureAwait(false);
            if (response.Result?.Status == StatusResult.Types.Status.Success)
            {
                return true;
            }

            LogFunctionFailed(_logger, _function.Name, message.Id, message.DequeueCount, response.Result?.Exception?.Message ?? response.Result?.Result ?? "(no detail)");
            return false;
        }
        catch (WorkerUnavailableException ex)
        {
            LogWorkerUnavailable(_logger, ex, _function.Name, message.Id);
            return false;
        }
        catch (Exception ex)
        {
            // An output binding that could not be written, or the host stopping: the delivery failed.
            LogInvocationFailed(_logger, ex, _function.Name, message.Id);
            return false;
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, CancellationToken cancellation)
    {
        if (_poisonQueue is null)
        {
            return;
        }

        LogPoisoned(_logger, _options.MaxDequeueCount, _poisonQueue, message.Id, QueueName);

        // The extension's order: the copy first, then the original deleted (a crash between leaves a duplicate, never a loss).
        await _store.SendAsync(_poisonQueue, message.Body, cancellation: cancellation).ConfigureAwait(false);
        await _store.DeleteAsync(message, cancellation).ConfigureAwait(false);
    }

    /// <summary>Keeps a delivery hidden while its function runs: renews at half the lease, retrying sooner (down to a minute) after a failure.</summary>
    private sealed class LeaseRenewal : IDisposable
    {
        private readonly QueueListener _owner;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private QueueMessage? _current;

        public LeaseRenewal(QueueListener owner, QueueMessage message)
        {
            _owner = owner;
            _current = message;
            _loop = RunAsync();
        }

        /// <summary>Stops renewing; the delivery with its latest receipt, or null when the lease was lost.</summary>
        public async Task<QueueMessage?> StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            return _current;
        }

        public void Dispose() => _stop.Dispose();

        private async Task RunAsync()
        {
            var normal = Lease / 2;
            var wait = normal;
            try
            {
                while (_current is { } current)
                {
                    await Task.Delay(wait, _owner._time, _stop.Token).ConfigureAwait(false);
                    try
                    {
                        _current = await _owner._store.UpdateVisibilityAsync(current, Lease, _stop.Token).ConfigureAwait(false);
                        wait = normal;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogRenewFailed(_owner._logger, ex, current.Id, _owner.QueueName);
                        wait = wait / 2 < MinimumRenewalInterval ? MinimumRenewalInterval : wait / 2;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped: the function finished.
            }
        }
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "Queue function {Function} failed on message {MessageId} (delivery {DequeueCount}): {Reason}")]
    private static partial void LogFunctionFailed(ILogger logger, string function, string messageId, long dequeueCount, string reason);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Queue function {Function}: no worker completed message {MessageId}; it is retried.")]
    private static partial void LogWorkerUnavailable(ILogger logger, Exception exception, string function, string messageId);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "Queue function {Function}: invoking message {MessageId} failed; it is retried.")]
    private static partial void LogInvocationFailed(ILogger logger, Exception exception, string function, string messageId);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Information, Message = "Queue function {Function}: message {MessageId} failed delivery {DequeueCount} of {Max}; visible again in {Delay}.")]
    private static partial void LogRetry(ILogger logger, string function, string messageId, long dequeueCount, int max, TimeSpan delay);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Warning, Message = "Message has reached MaxDequeueCount of {Max}. Moving message to queue '{PoisonQueue}' (message {MessageId} of '{Queue}').")]
    private static partial void LogPoisoned(ILogger logger, int max, string poisonQueue, string messageId, string queue);

    [LoggerMessage(EventId = 3115, Level = LogLevel.Warning, Message = "Message {MessageId} of '{Queue}' outlived its lease (its receipt is stale); it may be delivered again.")]
    private static partial void LogLeaseLost(ILogger logger, string messageId, string queue);

    [LoggerMessage(EventId = 3116, Level = LogLevel.Error, Message = "Queue function {Function}: settling message {MessageId} failed; it is delivered again when its lease ends.")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string function, string messageId);

    [LoggerMessage(EventId = 3117, Level = LogLevel.Warning, Message = "Queue function {Function}: receiving from '{Queue}' failed; retrying after the poll interval.")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception, string function, string queue);

    [LoggerMessage(EventId = 3118, Level = LogLevel.Warning, Message = "Renewing the lease of message {MessageId} of '{Queue}' failed; retrying.")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(EventId = 3119, Level = LogLevel.Warning, Message = "Queue function {Function} on '{Queue}' did not drain within the shutdown bound; running invocations are cancelled.")]
    private static partial void LogDrainTimedOut(ILogger logger, string function, string queue);
}
