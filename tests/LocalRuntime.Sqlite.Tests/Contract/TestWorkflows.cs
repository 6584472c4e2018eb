using System.Collections.Concurrent;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using DurableTask.Core.Exceptions;

namespace LocalRuntime.Sqlite.Tests.Contract;

/// <summary>What activities record, keyed by a per-test token in their input (tests run in parallel across classes).</summary>
internal static class Recorder
{
    public static readonly ConcurrentDictionary<string, int> Runs = new();

    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public static int Count(string key) => Runs.TryGetValue(key, out var n) ? n : 0;

    public static void Record(string key) => Runs.AddOrUpdate(key, 1, (_, n) => n + 1);
}

public sealed class HelloActivity : TaskActivity<string, string>
{
    protected override string Execute(TaskContext context, string input) => "Hello " + input;
}

public sealed class HelloOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) => context.ScheduleTask<string>(typeof(HelloActivity), input);
}

public sealed class FailingActivity : TaskActivity<string, string>
{
    protected override string Execute(TaskContext context, string input) => throw new InvalidOperationException("boom: " + input);
}

/// <summary>Catches the activity failure and returns its details; with input "rethrow" fails itself.</summary>
public sealed class CatchFailureOrchestration : TaskOrchestration<string, string>
{
    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        try
        {
            await context.ScheduleTask<string>(typeof(FailingActivity), input);
            return "no failure";
        }
        catch (TaskFailedException ex) when (input != "rethrow")
        {
            return $"{ex.FailureDetails?.ErrorType}|{ex.FailureDetails?.ErrorMessage}";
        }
    }
}

public sealed class SquareActivity : TaskActivity<int, int>
{
    protected override int Execute(TaskContext context, int input) => input * input;
}

public sealed class FanOutOrchestration : TaskOrchestration<long, int>
{
    public override async Task<long> RunTask(OrchestrationContext context, int input)
    {
        var tasks = Enumerable.Range(1, input).Select(i => context.ScheduleTask<int>(typeof(SquareActivity), i)).ToArray();
        var results = await Task.WhenAll(tasks);
        return results.Sum(r => (long)r);
    }
}

public sealed class ParentOrchestration : TaskOrchestration<string, string>
{
    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        var child = await context.CreateSubOrchestrationInstance<string>(typeof(HelloOrchestration), context.OrchestrationInstance.InstanceId + ":child", input);
        return "parent of " + child;
    }
}

/// <summary>Waits for a timer of the given seconds, then returns the time it woke at.</summary>
public sealed class TimerOrchestration : TaskOrchestration<DateTime, double>
{
    public override async Task<DateTime> RunTask(OrchestrationContext context, double input)
    {
        await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(input), "timer");
        return context.CurrentUtcDateTime;
    }
}

/// <summary>Waits (after an optional timer) for the event "go" and returns its data; events that come early are kept by the orchestration.</summary>
public sealed class EventOrchestration : TaskOrchestration<string, double>
{
    private readonly TaskCompletionSource<string> _go = new();

    public override async Task<string> RunTask(OrchestrationContext context, double input)
    {
        if (input > 0)
        {
            await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(input), "before");
        }

        return "got " + await _go.Task;
    }

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name == "go")
        {
            _go.TrySetResult(input);
        }
    }
}

/// <summary>Continues as new until its input reaches 3; returns the last input.</summary>
public sealed class CounterOrchestration : TaskOrchestration<int, int>
{
    public override Task<int> RunTask(OrchestrationContext context, int input)
    {
        if (input < 3)
        {
            context.ContinueAsNew(input + 1);
            return Task.FromResult(-1);
        }

        return Task.FromResult(input);
    }
}

/// <summary>Records that it ran (key = its input) and, on its first run of a key that names a gate, never finishes.</summary>
public sealed class RecordingActivity : AsyncTaskActivity<string, string>
{
    protected override async Task<string> ExecuteAsync(TaskContext context, string input)
    {
        Recorder.Record(input);
        if (Recorder.Count(input) == 1 && Recorder.Gates.TryGetValue(input, out var gate))
        {
            await gate.Task;
        }

        return input + " done";
    }
}

/// <summary>A, then B, then C (each a <see cref="RecordingActivity"/> keyed by the input plus the step).</summary>
public sealed class ChainOrchestration : TaskOrchestration<string, string>
{
    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        var a = await context.ScheduleTask<string>(typeof(RecordingActivity), input + ":A");
        var b = await context.ScheduleTask<string>(typeof(RecordingActivity), input + ":B");
        var c = await context.ScheduleTask<string>(typeof(RecordingActivity), input + ":C");
        return string.Join(",", a, b, c);
    }
}

/// <summary>
/// An entity at DTFx Core's level: its state is an integer; "add" adds the input. In an extended session DTFx
/// passes no state after the first batch (the executor is expected to keep it, as Durable's worker does), so the
/// last state is kept here per instance.
/// </summary>
public sealed class CounterEntity : TaskEntity
{
    private static readonly ConcurrentDictionary<string, string> LastState = new();

    public override Task<EntityBatchResult> ExecuteOperationBatchAsync(EntityBatchRequest operations)
    {
        var serialized = operations.EntityState ?? (LastState.TryGetValue(operations.InstanceId!, out var kept) ? kept : null);
        var state = serialized is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var results = new List<OperationResult>();
        foreach (var operation in operations.Operations ?? [])
        {
            if (operation.Operation == "add")
            {
                state += int.Parse(operation.Input ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            }

            results.Add(new OperationResult { Result = state.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        LastState[operations.InstanceId!] = state.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Task.FromResult(new EntityBatchResult
        {
            Results = results,
            Actions = [],
            EntityState = state.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }
}
