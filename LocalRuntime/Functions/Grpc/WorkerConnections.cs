using System.Collections.Concurrent;

namespace LocalRuntime.Functions.Grpc;

/// <summary>The channels of workers started but not yet connected, by worker id: a worker's <c>StartStream</c> claims its own.</summary>
internal sealed class WorkerConnections
{
    private readonly ConcurrentDictionary<string, WorkerChannel> _expected = new(StringComparer.Ordinal);

    public void Expect(WorkerChannel channel) => _expected[channel.WorkerId] = channel;

    public void Forget(WorkerChannel channel) => _expected.TryRemove(new KeyValuePair<string, WorkerChannel>(channel.WorkerId, channel));

    public bool TryClaim(string workerId, out WorkerChannel channel) => _expected.TryRemove(workerId, out channel!);
}
