using LocalRuntime.Bench;
using BenchmarkDotNet.Attributes;
using LocalRuntime.Durable.Engine;
using LocalRuntime.Durable.Stores;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalRuntime.Benchmarks;

/// <summary>
/// Cold replay (an evicted or restarted orchestration rebuilt from its history by
/// <see cref="OrchestrationReplayer"/>), at 100 and 10,000 history events (the ns/event column). Linear means the
/// per-event time is the same at both sizes. Target: >= 1M events/s. Baseline: the same code awaiting
/// the same results as plain TaskCompletionSources, no engine.
/// </summary>
[Config(typeof(PerEventConfig))]
public class ColdReplayBenchmarks
{
    private List<HistoryEvent> _history = null!;
    private int _steps;
    private TaskCompletionSource<int>? _pending;

    [Params(100, 10_000)]
    public int HistoryEvents { get; set; }

    [GlobalSetup]
    public void Setup() => _history = Histories.Sequence(HistoryEvents, out _steps);

    [Benchmark(Baseline = true, Description = "raw: same awaits on TCS")]
    public int Raw()
    {
        var loop = RawLoop();
        for (var i = 0; i < _steps; i++)
        {
            _pending!.SetResult(i + 1);
        }

        return loop.IsCompleted ? 1 : 0;
    }

    [Benchmark(Description = "cold replay (OrchestrationReplayer)")]
    public ReplayResult Cold() => OrchestrationReplayer.Replay(_history, EngineRig.Sequence, EngineRig.SequenceOrchestrator);

    private async Task<int> RawLoop()
    {
        var x = 0;
        for (var i = 0; i <= _steps; i++)
        {
            _pending = new TaskCompletionSource<int>();
            x = await _pending.Task;
        }

        return x;
    }
}

/// <summary>
/// Cached resume: one episode (apply an activity result to a cached orchestration, run its code to the
/// next await, build and commit the checkpoint to the in-memory store) when the orchestration already
/// has 100 or 10,000 history events. Target: time per step at 10,000 &lt;= 1.5x that at 100.
/// Baseline: one TaskCompletionSource completion resuming the same loop.
/// </summary>
public class CachedResumeBenchmarks
{
    private const int StepsPerInvoke = 1_000;
    private DurableEngine _engine = null!;
    private OrchestrationSession _session = null!;
    private InstanceMailbox _mailbox = null!;
    private int _openTask;
    private long _messageId;
    private TaskCompletionSource<int>? _pending;
    private Task<int>? _rawLoop;

    [Params(100, 10_000)]
    public int HistoryEvents { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var history = Histories.Sequence(HistoryEvents, out _openTask);
        var store = new InMemoryDurableStore();
        _engine = new DurableEngine(store, EngineRig.Registry());
        var state = new InstanceState
        {
            InstanceId = Histories.InstanceId,
            Name = EngineRig.Sequence,
            ExecutionId = Histories.ExecutionId,
            Status = OrchestrationRuntimeStatus.Running,
        };
        await store.CommitCheckpointAsync(new OrchestrationCheckpoint
        {
            State = state,
            NewEvents = history,
            ConsumedMessageIds = [],
            OutboundMessages = [],
            NewActivities = [],
        });
        _session = new OrchestrationSession(state, new LocalOrchestrationContext(state.InstanceId, NullLoggerFactory.Instance));
        OrchestrationReplayer.Replay(_session, history, EngineRig.Registry());
        _mailbox = new InstanceMailbox(state.InstanceId) { Session = _session };
        _rawLoop = RawLoop();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = StepsPerInvoke, Description = "raw: TCS completion resumes the loop")]
    public bool Raw()
    {
        for (var i = 0; i < StepsPerInvoke; i++)
        {
            _pending!.SetResult(i);
        }

        return _rawLoop!.IsCompleted;
    }

    [Benchmark(OperationsPerInvoke = StepsPerInvoke, Description = "cached episode + in-memory commit")]
    public async Task Cached()
    {
        for (var i = 0; i < StepsPerInvoke; i++)
        {
            var message = new OrchestrationMessage
            {
                Id = ++_messageId,
                InstanceId = Histories.InstanceId,
                ExecutionId = Histories.ExecutionId,
                Event = new HistoryEvent { Type = HistoryEventType.TaskCompleted, Timestamp = DateTime.UtcNow, TaskId = _openTask++, Data = "1" },
            };
            var episode = new Episode(_engine, _session, _mailbox);
            episode.Run([message]);
            var checkpoint = episode.BuildCheckpoint();
            await _engine.Store.CommitCheckpointAsync(checkpoint);
            _session.State = checkpoint.State;
        }
    }

    private async Task<int> RawLoop()
    {
        var x = 0;
        while (true)
        {
            _pending = new TaskCompletionSource<int>();
            x += await _pending.Task;
        }
    }
}
