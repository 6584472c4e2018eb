using System.Diagnostics;

namespace DurableBench;

/// <summary>One run of a workload: how long, how many activities finished of how many, and whether the orchestration completed.</summary>
/// <param name="Seconds">From submit to the orchestration's completion (or to the run's limit).</param>
/// <param name="Done">Activities that ran (-1 when unknown).</param>
/// <param name="Total">Activities the workload has.</param>
/// <param name="Completed">The orchestration completed with the expected output within the limit.</param>
/// <param name="Detail">Extra figures for stderr (CPU of host and worker, ...).</param>
internal sealed record RunResult(double Seconds, int Done, int Total, bool Completed, string Detail = "")
{
    /// <summary>Activities per second (fan-out): the whole workload when it completed, what ran otherwise.</summary>
    public double ActivitiesPerSecond => (Completed ? Total : Math.Max(Done, 0)) / Seconds;

    /// <summary>Milliseconds per step (chain): over the steps that ran.</summary>
    public double MillisecondsPerStep => Seconds * 1000 / (Completed ? Total : Math.Max(Done, 1));
}

/// <summary>Submit -> first activity start, one sequential submission.</summary>
/// <param name="Milliseconds">From just before the submit call to the activity's first line (same monotonic clock).</param>
/// <param name="AcceptedMilliseconds">From the same start to the submit call's return (HTTP 202 or the client call).</param>
internal readonly record struct Latency(double Milliseconds, double AcceptedMilliseconds);

/// <summary>A Durable engine the bench drives with the same three workloads.</summary>
internal interface IEngine : IAsyncDisposable
{
    /// <summary>Short name for progress lines.</summary>
    string Name { get; }

    Task<RunResult> FanOutAsync(int n, string id, TimeSpan limit);

    Task<RunResult> ChainAsync(int n, string id, TimeSpan limit);

    /// <summary>Sequential submissions (each waits for its orchestration to finish before the next), bounded by <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Latency>> LatencyAsync(int count, string idPrefix, TimeSpan limit);
}

/// <summary>Helpers every engine uses.</summary>
internal static class Waits
{
    /// <summary>Polls <paramref name="finished"/> until it is true or <paramref name="deadline"/> passes; true when finished.</summary>
    public static async Task<bool> PollAsync(Func<Task<bool>> finished, long deadline, TimeSpan interval)
    {
        while (true)
        {
            if (await finished())
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                return false;
            }

            await Task.Delay(interval);
        }
    }

    public static long Deadline(TimeSpan limit) => Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);

    public static double Seconds(long since) => Stopwatch.GetElapsedTime(since).TotalSeconds;

    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Sum of i*i for i below n: the FanOut/Chain orchestrators' result.</summary>
    public static long ExpectedSum(int n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++)
        {
            sum += i * i;
        }

        return sum;
    }
}
