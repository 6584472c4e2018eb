using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LocalRuntime.Functions.Tests;

/// <summary>What the test functions observed; one per host (a DI singleton), so hosts never share state.</summary>
public sealed class Probe
{
    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentQueue<TimerInfo> Ticks { get; } = new();

    public ConcurrentDictionary<string, int> Attempts { get; } = new();

    /// <summary>Released by a test to let <see cref="ActivityFunctions.Slow"/> finish.</summary>
    public TaskCompletionSource SlowGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count(string prefix) => Events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));
}

public sealed record Order(string Id, int FailTimes = 0);

public sealed class EnqueueResult
{
    [HttpResult]
    public IActionResult? Response { get; set; }

    [QueueOutput("%OrdersQueue%")]
    public Order? Order { get; set; }

    [QueueOutput("texts")]
    public string[]? Texts { get; set; }
}

public static class HttpFunctions
{
    [Function(nameof(Hello))]
    public static IActionResult Hello([HttpTrigger(AuthorizationLevel.Function, "get", Route = "hello")] HttpRequest request) =>
        new OkObjectResult("hello");

    [Function(nameof(Open))]
    public static IActionResult Open([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "open")] HttpRequest request) =>
        new OkObjectResult("open");

    [Function(nameof(AdminOnly))]
    public static IActionResult AdminOnly([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "admin")] HttpRequest request) =>
        new OkObjectResult("admin");

    /// <summary>Enqueues an order and texts through a multi-output return type.</summary>
    [Function(nameof(EnqueueOrder))]
    public static async Task<EnqueueResult> EnqueueOrder([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orders")] HttpRequest request)
    {
        var order = await request.ReadFromJsonAsync<Order>();
        return new EnqueueResult { Order = order, Texts = [$"text-{order!.Id}-a", $"text-{order.Id}-b"], Response = new AcceptedResult() };
    }

    /// <summary>Starts any orchestrator with the JSON body as input; answers 202 with the status URL.</summary>
    [Function(nameof(StartOrchestration))]
    public static async Task<IActionResult> StartOrchestration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "start/{name}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string name)
    {
        var input = await request.ReadFromJsonAsync<System.Text.Json.JsonElement?>();
        var id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions(request.Query["id"].FirstOrDefault()));
        var payload = client.CreateHttpManagementPayload(id);
        return new AcceptedResult(payload.StatusQueryGetUri, new { id, statusQueryGetUri = payload.StatusQueryGetUri });
    }
}

public static class OrchestratorFunctions
{
    [Function(nameof(EchoOrchestrator))]
    public static async Task<string> EchoOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<string>() ?? "none";
        context.SetCustomStatus(new { step = "echo" });
        return await context.CallActivityAsync<string>(nameof(ActivityFunctions.Echo), input);
    }

    [Function(nameof(WaitForEventOrchestrator))]
    public static async Task<string> WaitForEventOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context) =>
        await context.WaitForExternalEvent<string>("approve");

    [Function(nameof(FailingOrchestrator))]
    public static async Task<string> FailingOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        await context.CallActivityAsync<string>(nameof(ActivityFunctions.Echo), "before failing");
        throw new InvalidOperationException("boom");
    }

    [Function(nameof(SlowOrchestrator))]
    public static Task<string> SlowOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context) =>
        context.CallActivityAsync<string>(nameof(ActivityFunctions.Slow), "slow");
}

public static class ActivityFunctions
{
    [Function(nameof(Echo))]
    public static string Echo([ActivityTrigger] string input) => $"echo:{input}";

    [Function(nameof(Slow))]
    public static async Task<string> Slow([ActivityTrigger] string input, Probe probe)
    {
        probe.Events.Enqueue("slow-started");
        await probe.SlowGate.Task;
        probe.Events.Enqueue("slow-finished");
        return $"done:{input}";
    }
}

public static class QueueFunctions
{
    /// <summary>POCO binding, metadata by name, and a return value sent to another queue.</summary>
    [Function(nameof(ProcessOrder))]
    [QueueOutput("processed")]
    public static string ProcessOrder([QueueTrigger("%OrdersQueue%")] Order order, long dequeueCount, string id, Probe probe)
    {
        var attempt = probe.Attempts.AddOrUpdate("order:" + order.Id, 1, (_, n) => n + 1);
        probe.Events.Enqueue($"order:{order.Id}:{attempt}:{dequeueCount}:{id}");
        if (attempt <= order.FailTimes)
        {
            throw new InvalidOperationException($"order {order.Id} fails attempt {attempt}");
        }

        return $"processed:{order.Id}";
    }

    [Function(nameof(ProcessText))]
    public static void ProcessText([QueueTrigger("texts")] string text, Probe probe)
    {
        probe.Events.Enqueue("text:" + text);
        if (text.StartsWith("poison", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("always fails");
        }
    }
}

public static class TimerFunctions
{
    [Function(nameof(Tick))]
    public static void Tick([TimerTrigger("%TestTimerSchedule%")] TimerInfo timer, Probe probe) => probe.Ticks.Enqueue(timer);

    [Function(nameof(OnStartup))]
    public static void OnStartup([TimerTrigger("0 0 0 1 1 *", RunOnStartup = true)] TimerInfo timer, Probe probe) =>
        probe.Events.Enqueue($"startup:{timer.IsPastDue}");
}
