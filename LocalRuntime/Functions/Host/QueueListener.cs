using LocalRuntime.Functions.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// Runs one queue-triggered function: leases up to <c>batchSize</c> messages at a time, invokes the function
/// for each, deletes it on success; on failure makes it visible again after <c>visibilityTimeout</c>, or moves
/// it to <c>&lt;queue&gt;-poison</c> once it has been dequeued <c>maxDequeueCount</c> times.
/// </summary>
/// <remarks>
/// Woken by the store's <see cref="IQueueStore.MessageAdded"/> and by the earliest pending visibility time;
/// an idle re-check every second (on the host's clock) picks up writes the signal cannot see.
/// </remarks>
internal sealed class QueueListener : IAsyncDisposable
{
    /// <summary>How long a delivery is hidden while the function runs; released early on failure, returned at restart after a crash.</summary>
    internal static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>The longest the loop sleeps without a signal.</summary>
    internal static readonly TimeSpan IdleRecheck = TimeSpan.FromSeconds(1);

    private readonly FunctionDescriptor _function;
    private readonly FunctionInvoker _invoker;
    private readonly IQueueStore _store;
    private readonly HostSettings _settings;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly AsyncSignal _signal = new();
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly CancellationTokenSource _abortRunning = new();
    private readonly HashSet<Task> _running = [];
    private Task? _loop;

    public QueueListener(FunctionDescriptor function, string queueName, FunctionInvoker invoker, IQueueStore store, HostSettings settings, TimeProvider time, IServiceProvider services, ILogger logger)
    {
        _function = function;
        QueueName = queueName;
        _invoker = invoker;
        _store = store;
        _settings = settings;
        _time = time;
        _services = services;
        _logger = logger;
        _slots = new SemaphoreSlim(Math.Max(1, settings.QueueBatchSize));
    }

    public string QueueName { get; }

    public void Start()
    {
        _store.MessageAdded += OnMessageAdded;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Stops leasing; lets running invocations finish until <paramref name="cancellation"/>, then cancels them.</summary>
    public async Task StopAsync(CancellationToken cancellation)
    {
        _store.MessageAdded -= OnMessageAdded;
        await _stopFetching.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Queue function {Function} did not finish within the shutdown bound; its messages reappear at the next start.", _function.Name);
            await _abortRunning.CancelAsync();
        }
    }

    public ValueTask DisposeAsync()
    {
        _store.MessageAdded -= OnMessageAdded;
        _signal.Dispose();
        _stopFetching.Dispose();
        _abortRunning.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnMessageAdded(string queue)
    {
        if (string.Equals(queue, QueueName, StringComparison.Ordinal))
        {
            _signal.Set();
        }
    }

    private async Task RunAsync()
    {
        var stopping = _stopFetching.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _slots.WaitAsync(stopping);
                var free = 1;
                while (free < _settings.QueueBatchSize && _slots.Wait(0))
                {
                    free++;
                }

                var messages = await _store.DequeueAsync(QueueName, free, Lease, stopping);
                if (free > messages.Count)
                {
                    _slots.Release(free - messages.Count);
                }

                foreach (var message in messages)
                {
                    Track(ProcessAsync(message));
                }

                if (messages.Count == 0)
                {
                    var next = await _store.GetNextVisibleTimeAsync(QueueName, stopping);
                    var wait = next is { } at ? at - _time.GetUtcNow() : IdleRecheck;
                    await _signal.WaitAsync(wait < IdleRecheck ? wait : IdleRecheck, _time, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Queue listener of {Function} on '{Queue}' failed; retrying.", _function.Name, QueueName);
                try
                {
                    await Task.Delay(IdleRecheck, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private void Track(Task task)
    {
        lock (_running)
        {
            _running.Add(task);
        }

        task.ContinueWith(
            t =>
            {
                lock (_running)
                {
                    _running.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task ProcessAsync(QueueMessage message)
    {
        await Task.Yield();
        try
        {
            if (message.DequeueCount > _settings.QueueMaxDequeueCount)
            {
                // Already failed as often as allowed (e.g. it crashed the host each time): never run it again.
                await MoveToPoisonAsync(message, null);
                return;
            }

            try
            {
                await using var scope = _services.CreateAsyncScope();
                await _invoker.InvokeAsync(new InvocationBindings
                {
                    FunctionContext = new LocalFunctionContext(_function, scope.ServiceProvider, _abortRunning.Token),
                    TriggerValue = message,
                });
            }
            catch (Exception ex)
            {
                if (message.DequeueCount >= _settings.QueueMaxDequeueCount)
                {
                    await MoveToPoisonAsync(message, ex);
                }
                else
                {
                    _logger.LogWarning(ex, "Queue function {Function} failed on message {MessageId} (attempt {Attempt} of {Max}); visible again in {Delay}.",
                        _function.Name, message.Id, message.DequeueCount, _settings.QueueMaxDequeueCount, _settings.QueueVisibilityTimeout);
                    await _store.ReleaseAsync(message, _settings.QueueVisibilityTimeout, CancellationToken.None);
                }

                return;
            }

            if (!await _store.DeleteAsync(message, CancellationToken.None))
            {
                _logger.LogWarning("Message {MessageId} of '{Queue}' outlived its lease; it may be delivered again.", message.Id, QueueName);
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Queue function {Function}: settling message {MessageId} failed; it is delivered again after its lease.", _function.Name, message.Id);
        }
        finally
        {
            _slots.Release();
            _signal.Set();
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, Exception? failure)
    {
        var poison = QueueNames.Poison(QueueName);
        _logger.LogError(failure, "Message {MessageId} of '{Queue}' was dequeued {Count} times (max {Max}); moved to '{Poison}'.",
            message.Id, QueueName, message.DequeueCount, _settings.QueueMaxDequeueCount, poison);
        await _store.MoveAsync(message, poison, CancellationToken.None);
    }
}
