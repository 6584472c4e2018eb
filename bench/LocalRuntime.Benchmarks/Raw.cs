using System.Threading.Channels;

namespace LocalRuntime.Benchmarks;

/// <summary>
/// Raw in-process round trips: the same hand-off an orchestration step makes (post work to a worker,
/// get the result back on a TaskCompletionSource), without the engine.
/// </summary>
internal sealed class RawWorker : IAsyncDisposable
{
    private readonly Channel<(int Input, TaskCompletionSource<int> Reply)> _work =
        Channel.CreateUnbounded<(int, TaskCompletionSource<int>)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Task _loop;

    public RawWorker() => _loop = Task.Run(LoopAsync);

    /// <summary>One step: post input to the worker, await its reply.</summary>
    public Task<int> CallAsync(int input)
    {
        var reply = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Writer.TryWrite((input, reply));
        return reply.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _loop;
    }

    private async Task LoopAsync()
    {
        await foreach (var (input, reply) in _work.Reader.ReadAllAsync())
        {
            reply.TrySetResult(input + 1);
        }
    }
}
