using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.TestHost;

/// <summary>One activity's input: which instance and which fan-out slot.</summary>
public sealed record WorkItem(string InstanceId, int Index);

/// <summary>The crash-test functions.</summary>
public static class CrashFunctions
{
    /// <summary><c>POST /api/start/{name}?id=</c>: starts an orchestrator with the JSON body as input.</summary>
    [Function(nameof(Start))]
    public static async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "start/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        var input = await request.ReadFromJsonAsync<System.Text.Json.JsonElement?>();
        var id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(request.Query["id"].FirstOrDefault()));
        var payload = client.CreateHttpManagementPayload(id);
        return new AcceptedResult(payload.StatusQueryGetUri, new { id, statusQueryGetUri = payload.StatusQueryGetUri });
    }

    /// <summary>Fans out <c>n</c> activities at once and sums their results.</summary>
    [Function(nameof(FanOut))]
    public static async Task<long> FanOut([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var n = context.GetInput<int>();
        var tasks = new List<Task<long>>(n);
        for (var i = 0; i < n; i++)
        {
            tasks.Add(context.CallActivityAsync<long>(nameof(Work), new WorkItem(context.InstanceId, i)));
        }

        var results = await Task.WhenAll(tasks);
        return results.Sum();
    }

    /// <summary>Waits on a durable timer of <c>seconds</c>, then runs one activity.</summary>
    [Function(nameof(TimerThenActivity))]
    public static async Task<string> TimerThenActivity([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seconds = context.GetInput<int>();
        await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(seconds), CancellationToken.None);
        return await context.CallActivityAsync<string>(nameof(AfterTimer), new WorkItem(context.InstanceId, -1));
    }

    /// <summary>Logs its execution, takes a little time (so a kill finds some in flight), returns index squared.</summary>
    [Function(nameof(Work))]
    public static async Task<long> Work([ActivityTrigger] WorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ActivityLog.Append(item.InstanceId, item.Index.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(ActivityLog.DelayMilliseconds);
        return (long)item.Index * item.Index;
    }

    /// <summary>The activity after the timer.</summary>
    [Function(nameof(AfterTimer))]
    public static string AfterTimer([ActivityTrigger] WorkItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        ActivityLog.Append(item.InstanceId, "after-timer");
        return "fired";
    }
}
