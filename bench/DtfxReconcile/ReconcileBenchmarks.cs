using System.Reflection;
using BenchmarkDotNet.Attributes;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DtfxReconcile;

/// <summary>
/// DTFx's reconcile step for one episode of a flat fan-out: an instance whose history holds <see cref="Scheduled"/>
/// TaskScheduled events receives <see cref="Completions"/> TaskCompleted messages in one batch. DTFx looks up each
/// completion's TaskScheduled event by scanning the whole history (and logs each message), so the cost per message
/// grows with the history: a fan-out of N pays about N * N / 2 event visits in total, however its completions are batched.
/// </summary>
/// <remarks>
/// The method is internal to DTFx Core; it is called through reflection, once per benchmark invocation, so the reflection
/// cost is one call against thousands of messages. It appends each accepted message's event to the history, so every
/// invocation gets a fresh work item (one invocation per iteration, built in <see cref="FreshWorkItem"/>). <see cref="Logged"/> = true passes a logger, as a host that gives
/// TaskHubWorker its ILoggerFactory does (DTFx then also writes each message to its EventSource).
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(1)]
public class ReconcileBenchmarks
{
    private static readonly MethodInfo Reconcile = typeof(TaskOrchestrationDispatcher).GetMethod(
        "ReconcileMessagesWithState", BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new InvalidOperationException("DTFx Core no longer has TaskOrchestrationDispatcher.ReconcileMessagesWithState.");

    private static readonly Type LogHelperType = typeof(TaskOrchestrationDispatcher).Assembly.GetType("DurableTask.Core.Logging.LogHelper")
        ?? throw new InvalidOperationException("DTFx Core no longer has DurableTask.Core.Logging.LogHelper.");

    private TaskOrchestrationWorkItem _workItem = null!;
    private object _logHelper = null!;

    /// <summary>TaskScheduled events in the history (the fan-out's width).</summary>
    [Params(1_000, 5_000, 10_000)]
    public int Scheduled { get; set; }

    /// <summary>TaskCompleted messages in the batch.</summary>
    [Params(1_000)]
    public int Completions { get; set; }

    /// <summary>Whether DTFx has a logger (it then logs every message, structured and to its EventSource).</summary>
    [Params(false, true)]
    public bool Logged { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ILogger? logger = Logged ? NullLoggerFactory.Instance.CreateLogger("DurableTask.Core") : null;
        _logHelper = Activator.CreateInstance(LogHelperType, BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance, binder: null, [logger], culture: null)
            ?? throw new InvalidOperationException("DTFx's LogHelper could not be created.");
    }

    /// <summary>The instance before the episode: started, <see cref="Scheduled"/> tasks scheduled, and the batch of completions.</summary>
    [IterationSetup]
    public void FreshWorkItem()
    {
        var instance = new OrchestrationInstance { InstanceId = "fan-out", ExecutionId = "e1" };
        var history = new List<HistoryEvent>(Scheduled + 3)
        {
            new OrchestratorStartedEvent(-1),
            new ExecutionStartedEvent(-1, "[]") { OrchestrationInstance = instance, Name = "FanOut", Version = string.Empty },
        };
        for (var i = 0; i < Scheduled; i++)
        {
            history.Add(new TaskScheduledEvent(i, "Work", string.Empty, "[" + i + "]"));
        }

        history.Add(new OrchestratorCompletedEvent(-1));
        var messages = new List<TaskMessage>(Completions);
        for (var i = 0; i < Completions; i++)
        {
            messages.Add(new TaskMessage { OrchestrationInstance = instance, Event = new TaskCompletedEvent(-1, i * (Scheduled / Completions), "1") });
        }

        _workItem = new TaskOrchestrationWorkItem
        {
            InstanceId = instance.InstanceId,
            OrchestrationRuntimeState = new OrchestrationRuntimeState(history),
            NewMessages = messages,
        };
    }

    /// <summary>One episode's reconcile of the whole batch; true when DTFx accepts the batch (checked: it always should).</summary>
    [Benchmark]
    public bool ReconcileBatch() => (bool)Reconcile.Invoke(null, [_workItem, nameof(TaskOrchestrationDispatcher), ErrorPropagationMode.SerializeExceptions, _logHelper])!;
}
