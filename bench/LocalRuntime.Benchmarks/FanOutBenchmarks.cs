using LocalRuntime.Bench;
using BenchmarkDotNet.Attributes;

namespace LocalRuntime.Benchmarks;

/// <summary>
/// Fan-out of trivial activities (input + 1) from one orchestration, per activity, against the same
/// number of trivial work items on the thread pool awaited with Task.WhenAll.
/// </summary>
public class FanOutBenchmarks
{
    private const int Activities = 2_000;
    private EngineRig _memory = null!;
    private EngineRig _sqlite = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _memory = await EngineRig.StartAsync(StoreKind.Memory);
        _sqlite = await EngineRig.StartAsync(StoreKind.Sqlite);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _memory.DisposeAsync();
        await _sqlite.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Activities, Description = "raw Task.Run + WhenAll per item")]
    public async Task<int> Raw()
    {
        var tasks = new Task<int>[Activities];
        for (var i = 0; i < Activities; i++)
        {
            var input = i;
            tasks[i] = Task.Run(() => input + 1);
        }

        var results = await Task.WhenAll(tasks);
        return results.Length;
    }

    [Benchmark(OperationsPerInvoke = Activities, Description = "engine activity, in-memory")]
    public Task EngineMemory() => _memory.RunAsync(EngineRig.FanOut, Activities);

    [Benchmark(OperationsPerInvoke = Activities, Description = "engine activity, SQLite")]
    public Task EngineSqlite() => _sqlite.RunAsync(EngineRig.FanOut, Activities);
}
