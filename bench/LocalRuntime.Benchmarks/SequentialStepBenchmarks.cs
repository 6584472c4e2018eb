using LocalRuntime.Bench;
using BenchmarkDotNet.Attributes;

namespace LocalRuntime.Benchmarks;

/// <summary>
/// Cost of one orchestration step (schedule an activity, run it, apply its result, resume the code),
/// per step, against a raw TaskCompletionSource round trip through a worker channel.
/// Targets: in-memory &lt;= 10x raw, &lt;= 2 KB allocated per step.
/// </summary>
public class SequentialStepBenchmarks
{
    private const int Steps = 200;
    private RawWorker _raw = null!;
    private EngineRig _memory = null!;
    private EngineRig _sqlite = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _raw = new RawWorker();
        _memory = await EngineRig.StartAsync(StoreKind.Memory);
        _sqlite = await EngineRig.StartAsync(StoreKind.Sqlite);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _raw.DisposeAsync();
        await _memory.DisposeAsync();
        await _sqlite.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps, Description = "raw TCS round trip per step")]
    public async Task<int> RawRoundTrip()
    {
        var x = 0;
        for (var i = 0; i < Steps; i++)
        {
            x = await _raw.CallAsync(x);
        }

        return x;
    }

    [Benchmark(OperationsPerInvoke = Steps, Description = "engine step, in-memory")]
    public Task EngineMemory() => _memory.RunAsync(EngineRig.Sequence, Steps);

    [Benchmark(OperationsPerInvoke = Steps, Description = "engine step, SQLite")]
    public Task EngineSqlite() => _sqlite.RunAsync(EngineRig.Sequence, Steps);
}
