using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Functions.Grpc;

/// <summary>
/// One invocation waiting for its <see cref="InvocationResponse"/>: a pooled, resettable value-task source, so the
/// correlation costs no task or completion-source allocation per call. Whoever removes it from the channel's table
/// (the response, the caller's cancellation, or the channel failing) completes it, exactly once.
/// </summary>
internal sealed class PendingInvocation : IValueTaskSource<InvocationResponse>
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<PendingInvocation> Pool = new();
    private static int _pooled;

    // Continuations run on the thread pool: the stream's reader loop must never run a caller's code.
    private ManualResetValueTaskSourceCore<InvocationResponse> _core = new() { RunContinuationsAsynchronously = true };

    public string InvocationId { get; private set; } = string.Empty;

    /// <summary>The function being invoked (its loggers route the invocation's logs).</summary>
    public LoadedFunction Function { get; private set; } = null!;

    public WorkerChannel Channel { get; private set; } = null!;

    public CancellationToken Cancellation { get; private set; }

    /// <summary>When it was sent (<see cref="TimeProvider.GetTimestamp"/>), for the functionTimeout sweep.</summary>
    public long StartedAt { get; private set; }

    public static PendingInvocation Rent(WorkerChannel channel, string invocationId, LoadedFunction function, long startedAt, CancellationToken cancellation)
    {
        if (Pool.TryDequeue(out var pending))
        {
            Interlocked.Decrement(ref _pooled);
        }
        else
        {
            pending = new PendingInvocation();
        }

        pending.Channel = channel;
        pending.InvocationId = invocationId;
        pending.Function = function;
        pending.Cancellation = cancellation;
        pending.StartedAt = startedAt;
        return pending;
    }

    /// <summary>Back to the pool; only after its result was read and its cancellation registration disposed.</summary>
    public static void Return(PendingInvocation pending)
    {
        pending._core.Reset();
        pending.Channel = null!;
        pending.Function = null!;
        pending.InvocationId = string.Empty;
        pending.Cancellation = default;
        if (Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            Pool.Enqueue(pending);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
        }
    }

    public ValueTask<InvocationResponse> AsValueTask() => new(this, _core.Version);

    public void SetResult(InvocationResponse response) => _core.SetResult(response);

    public void SetException(Exception exception) => _core.SetException(exception);

    public InvocationResponse GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
