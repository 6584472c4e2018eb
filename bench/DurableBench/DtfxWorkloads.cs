using System.Collections.Concurrent;
using System.Diagnostics;
using DurableTask.Core;

namespace DurableBench;

/// <summary>Counts and stamps of the in-process baselines' activities (DTFx classes and the Durable Task SDK functions).</summary>
internal static class InProcess
{
    private static int _activities;

    public static ConcurrentDictionary<string, TaskCompletionSource<long>> Stamps { get; } = new(StringComparer.Ordinal);

    public static int Activities => Volatile.Read(ref _activities);

    public static long Work(int index)
    {
        Interlocked.Increment(ref _activities);
        return (long)index * index;
    }

    public static long Stamp(string instanceId)
    {
        var now = Stopwatch.GetTimestamp();
        if (Stamps.TryRemove(instanceId, out var waiter))
        {
            waiter.TrySetResult(now);
        }

        return now;
    }
}

/// <summary>DTFx activity: index squared (as DurableTestApp's Work).</summary>
internal sealed class WorkActivity : TaskActivity<int, long>
{
    protected override long Execute(TaskContext context, int input) => InProcess.Work(input);
}

/// <summary>DTFx activity: the monotonic time it started.</summary>
internal sealed class StampActivity : TaskActivity<string, long>
{
    protected override long Execute(TaskContext context, string input) => InProcess.Stamp(input);
}

/// <summary>DTFx orchestration: N activities at once, then their sum.</summary>
internal sealed class FanOutOrchestration : TaskOrchestration<long, int>
{
    public override async Task<long> RunTask(OrchestrationContext context, int input)
    {
        var tasks = new Task<long>[input];
        for (var i = 0; i < input; i++)
        {
            tasks[i] = context.ScheduleTask<long>(typeof(WorkActivity), i);
        }

        return (await Task.WhenAll(tasks)).Sum();
    }
}

/// <summary>DTFx orchestration: N activities one after another, summed.</summary>
internal sealed class ChainOrchestration : TaskOrchestration<long, int>
{
    public override async Task<long> RunTask(OrchestrationContext context, int input)
    {
        long sum = 0;
        for (var i = 0; i < input; i++)
        {
            sum += await context.ScheduleTask<long>(typeof(WorkActivity), i);
        }

        return sum;
    }
}

/// <summary>DTFx orchestration: one stamp activity.</summary>
internal sealed class FirstStampOrchestration : TaskOrchestration<long, string>
{
    public override Task<long> RunTask(OrchestrationContext context, string input) =>
        context.ScheduleTask<long>(typeof(StampActivity), context.OrchestrationInstance.InstanceId);
}
