using System.Diagnostics;
using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace DurableBench;

/// <summary>
/// Baseline (b): Microsoft.DurableTask.InProcessTestHost (<see cref="DurableTaskTestHost"/>) as shipped: the Durable Task SDK's
/// worker and client in this process on its in-memory sidecar over loopback gRPC. A fresh host per run (an unfinished run
/// leaves work behind). Completion is polled every 20 ms.
/// </summary>
internal sealed class TestHostEngine : IEngine
{
    public string Name => "testhost";

    public Task<RunResult> FanOutAsync(int n, string id, TimeSpan limit) => RunAsync(nameof(FanOut), n, id, limit);

    public Task<RunResult> ChainAsync(int n, string id, TimeSpan limit) => RunAsync(nameof(Chain), n, id, limit);

    public async Task<IReadOnlyList<Latency>> LatencyAsync(int count, string idPrefix, TimeSpan limit)
    {
        await using var host = await StartHostAsync();
        var results = new List<Latency>(count);
        var deadline = Waits.Deadline(limit);
        for (var i = 0; i < count && Stopwatch.GetTimestamp() < deadline; i++)
        {
            var id = $"{idPrefix}-{i}";
            var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            InProcess.Stamps[id] = waiter;
            var started = Stopwatch.GetTimestamp();
            await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(FirstStamp), new StartOrchestrationOptions(id));
            var accepted = Stopwatch.GetTimestamp();
            long at;
            try
            {
                at = await waiter.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                InProcess.Stamps.TryRemove(id, out _);
                Console.Error.WriteLine($"    [{Name}] {id}: no activity start within 60 s");
                continue;
            }

            results.Add(new Latency(Waits.Milliseconds(started, at), Waits.Milliseconds(started, accepted)));
            await Waits.PollAsync(async () => await IsFinishedAsync(host.Client, id), Waits.Deadline(TimeSpan.FromSeconds(60)), TimeSpan.FromMilliseconds(5));
        }

        return results;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static Task<DurableTaskTestHost> StartHostAsync() => DurableTaskTestHost.StartAsync(tasks =>
    {
        tasks.AddOrchestratorFunc<int, long>(nameof(FanOut), FanOut);
        tasks.AddOrchestratorFunc<int, long>(nameof(Chain), Chain);
        tasks.AddOrchestratorFunc<string, long>(nameof(FirstStamp), FirstStamp);
        tasks.AddActivityFunc<int, long>(nameof(InProcess.Work), (_, index) => InProcess.Work(index));
        tasks.AddActivityFunc<string, long>(nameof(InProcess.Stamp), (_, instanceId) => InProcess.Stamp(instanceId));
    });

    private static async Task<long> FanOut(TaskOrchestrationContext context, int n)
    {
        var tasks = new Task<long>[n];
        for (var i = 0; i < n; i++)
        {
            tasks[i] = context.CallActivityAsync<long>(nameof(InProcess.Work), i);
        }

        return (await Task.WhenAll(tasks)).Sum();
    }

    private static async Task<long> Chain(TaskOrchestrationContext context, int n)
    {
        long sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += await context.CallActivityAsync<long>(nameof(InProcess.Work), i);
        }

        return sum;
    }

    private static Task<long> FirstStamp(TaskOrchestrationContext context, string? input) =>
        context.CallActivityAsync<long>(nameof(InProcess.Stamp), context.InstanceId);

    private static async Task<bool> IsFinishedAsync(DurableTaskClient client, string id)
    {
        var state = await client.GetInstanceAsync(id, getInputsAndOutputs: false);
        return state?.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;
    }

    private async Task<RunResult> RunAsync(string orchestrator, int n, string id, TimeSpan limit)
    {
        await using var host = await StartHostAsync();
        var before = InProcess.Activities;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await host.Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, n, new StartOrchestrationOptions(id));
        var finished = await Waits.PollAsync(async () => await IsFinishedAsync(host.Client, id), Waits.Deadline(limit), TimeSpan.FromMilliseconds(20));
        var seconds = Waits.Seconds(started);
        var done = InProcess.Activities - before;
        var detail = string.Create(CultureInfo.InvariantCulture, $"cpu bench {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s");
        if (!finished)
        {
            return new RunResult(seconds, done, n, Completed: false, detail);
        }

        var state = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true);
        var ok = state?.RuntimeStatus == OrchestrationRuntimeStatus.Completed && state.SerializedOutput == Waits.ExpectedSum(n).ToString(CultureInfo.InvariantCulture);
        return new RunResult(seconds, done, n, ok, ok ? detail : $"{detail}; status {state?.RuntimeStatus}, output {state?.SerializedOutput}");
    }
}
