using DurableTask.Core;

namespace SqliteProviderBench;

public sealed class Increment : TaskActivity<int, int>
{
    /// <summary>When the latest activity ran (Stopwatch ticks): tells activity-side from orchestration-side time.</summary>
    private static long _lastRun;

    public static long LastRun => Volatile.Read(ref _lastRun);

    protected override int Execute(TaskContext context, int input)
    {
        Volatile.Write(ref _lastRun, System.Diagnostics.Stopwatch.GetTimestamp());
        return input + 1;
    }
}

/// <summary>N trivial activities at once, then their sum.</summary>
public sealed class FanOut : TaskOrchestration<long, int>
{
    public override async Task<long> RunTask(OrchestrationContext context, int input)
    {
        var tasks = new Task<int>[input];
        for (var i = 0; i < input; i++)
        {
            tasks[i] = context.ScheduleTask<int>(typeof(Increment), i);
        }

        long sum = 0;
        foreach (var result in await Task.WhenAll(tasks))
        {
            sum += result;
        }

        return sum;
    }
}

/// <summary>N trivial activities one after another.</summary>
public sealed class Chain : TaskOrchestration<int, int>
{
    public override async Task<int> RunTask(OrchestrationContext context, int input)
    {
        var value = 0;
        for (var i = 0; i < input; i++)
        {
            value = await context.ScheduleTask<int>(typeof(Increment), value);
        }

        return value;
    }
}
