using LocalRuntime.Functions.Grpc;

namespace LocalRuntime.Functions.Worker;

/// <summary>A started, handshaken worker: its process, its channel, the functions it loaded.</summary>
internal sealed class WorkerInstance(WorkerProcess process, WorkerChannel channel, IReadOnlyList<LoadedFunction> functions, DateTimeOffset readyAt)
{
    private readonly TaskCompletionSource _retired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkerProcess Process { get; } = process;

    public WorkerChannel Channel { get; } = channel;

    public IReadOnlyList<LoadedFunction> Functions { get; } = functions;

    public DateTimeOffset ReadyAt { get; } = readyAt;

    /// <summary>Completes once the supervisor has stopped handing this instance out (waiters then look for the next one).</summary>
    public Task Retired => _retired.Task;

    public void Retire() => _retired.TrySetResult();
}
