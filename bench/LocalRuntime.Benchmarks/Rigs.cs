using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using LocalRuntime.Sqlite;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Benchmarks;

/// <summary>An engine started over a store with the benchmark functions registered.</summary>
internal sealed class EngineRig : IAsyncDisposable
{
    public const string AddOne = nameof(AddOne);
    public const string FanOut = nameof(FanOut);
    public const string Sequence = nameof(Sequence);

    private readonly string? _directory;
    private int _instance;

    private EngineRig(DurableEngine engine, string? directory)
    {
        Engine = engine;
        _directory = directory;
    }

    public DurableEngine Engine { get; }

    public static DurableFunctionRegistry Registry() => new DurableFunctionRegistry()
        .AddActivity<int, int>(AddOne, x => x + 1)
        .AddOrchestrator(FanOut, async context =>
        {
            var n = context.GetInput<int>();
            var tasks = new Task<int>[n];
            for (var i = 0; i < n; i++)
            {
                tasks[i] = context.CallActivityAsync<int>(AddOne, i);
            }

            var results = await Task.WhenAll(tasks);
            return results.Length;
        })
        .AddOrchestrator(Sequence, new OrchestratorFunction(SequenceOrchestrator));

    /// <summary>N sequential trivial activities (the input is N).</summary>
    public static async Task<object?> SequenceOrchestrator(TaskOrchestrationContext context)
    {
        var n = context.GetInput<int>();
        var x = 0;
        for (var i = 0; i < n; i++)
        {
            x = await context.CallActivityAsync<int>(AddOne, x);
        }

        return x;
    }

    public static async Task<EngineRig> StartAsync(bool sqlite)
    {
        string? directory = null;
        IDurableStore store = new InMemoryDurableStore();
        if (sqlite)
        {
            directory = Path.Combine(Path.GetTempPath(), "bdn-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            store = new SqliteDurableStore(Path.Combine(directory, "bench.db"));
        }

        var engine = new DurableEngine(store, Registry());
        await engine.StartAsync();
        return new EngineRig(engine, directory);
    }

    public async Task RunAsync(string orchestrator, int n)
    {
        var id = await Engine.Client.ScheduleNewOrchestrationInstanceAsync(
            orchestrator, n, new StartOrchestrationOptions($"{orchestrator}-{Interlocked.Increment(ref _instance)}"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await Engine.Client.WaitForInstanceCompletionAsync(id, false, timeout.Token);
        if (result.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"{id} ended {result.RuntimeStatus}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Engine.Store.DisposeAsync();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
