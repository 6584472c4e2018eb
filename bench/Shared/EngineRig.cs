using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using LocalRuntime.Sqlite;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Bench;

/// <summary>Which store an engine run uses.</summary>
internal enum StoreKind
{
    Memory,
    Sqlite,
}

/// <summary>
/// An engine started in this process over a fresh store, with the benchmark functions registered:
/// a fan-out of N trivial activities and N sequential activities. Compiled into both bench projects.
/// </summary>
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

    public static async Task<EngineRig> StartAsync(StoreKind kind)
    {
        string? directory = null;
        IDurableStore store;
        if (kind == StoreKind.Sqlite)
        {
            directory = Path.Combine(Path.GetTempPath(), "bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            store = new SqliteDurableStore(Path.Combine(directory, "bench.db"));
        }
        else
        {
            store = new InMemoryDurableStore();
        }

        var engine = new DurableEngine(store, Registry(), new DurableEngineOptions { ActivityWorkerIdleTimeout = TimeSpan.FromSeconds(30) });
        await engine.StartAsync();
        return new EngineRig(engine, directory);
    }

    /// <summary>Starts one orchestration and waits for it (60 s by default); throws unless it completed.</summary>
    public async Task<long> RunAsync(string orchestrator, int n, TimeSpan? timeout = null)
    {
        var id = await ScheduleAsync(orchestrator, n);
        return await WaitAsync(id, timeout ?? TimeSpan.FromSeconds(60));
    }

    public Task<string> ScheduleAsync(string orchestrator, int n) =>
        Engine.Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, n, new StartOrchestrationOptions($"{orchestrator}-{Interlocked.Increment(ref _instance)}"));

    public async Task<long> WaitAsync(string instanceId, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var result = await Engine.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
        if (result.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"{instanceId} ended {result.RuntimeStatus}: {result.FailureDetails?.ErrorMessage}");
        }

        return result.ReadOutputAs<long>();
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Engine.Store.DisposeAsync();
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }

    /// <summary>The benchmark functions.</summary>
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

            long sum = 0;
            foreach (var value in await Task.WhenAll(tasks))
            {
                sum += value;
            }

            return sum;
        })
        .AddOrchestrator(Sequence, new OrchestratorFunction(SequenceOrchestrator));

    /// <summary>N sequential trivial activities (the input is N); returns the last result.</summary>
    public static async Task<object?> SequenceOrchestrator(TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var n = context.GetInput<int>();
        var x = 0;
        for (var i = 0; i < n; i++)
        {
            x = await context.CallActivityAsync<int>(AddOne, x);
        }

        return (long)x;
    }
}
