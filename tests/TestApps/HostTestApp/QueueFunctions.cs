using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace HostTestApp;

/// <summary>Queue triggers and queue outputs for LocalRuntime.Queues' end-to-end tests (each function has queues of its own).</summary>
public static class QueueFunctions
{
    /// <summary>Echoes the message with the trigger metadata the worker bound (Id, DequeueCount, InsertionTime, PopReceipt).</summary>
    [Function(nameof(QueueEcho))]
    [QueueOutput("e2e-echo-out")]
    public static string QueueEcho([QueueTrigger("e2e-echo")] string message, string id, long dequeueCount, DateTimeOffset insertionTime, string popReceipt) =>
        JsonSerializer.Serialize(new EchoResult(message, id, dequeueCount, insertionTime.ToString("O", CultureInfo.InvariantCulture), popReceipt.Length > 0));

    /// <summary>A POCO trigger: the worker deserializes the JSON message.</summary>
    [Function(nameof(QueuePoco))]
    [QueueOutput("e2e-poco-out")]
    public static string QueuePoco([QueueTrigger("e2e-poco")] QueueOrder order) => $"{order.Id}:{order.Quantity}";

    /// <summary>Throws for "fail" always and for "fail-once" on its first delivery; echoes otherwise.</summary>
    [Function(nameof(QueueFlaky))]
    [QueueOutput("e2e-flaky-out")]
    public static string QueueFlaky([QueueTrigger("e2e-flaky")] string message, long dequeueCount) =>
        message == "fail" || (message == "fail-once" && dequeueCount == 1)
            ? throw new InvalidOperationException($"QueueFlaky failed on delivery {dequeueCount} of '{message}'")
            : $"{message}:{dequeueCount}";

    /// <summary>An array return value: one output message per element.</summary>
    [Function(nameof(QueueFanOut))]
    [QueueOutput("e2e-fanout-out")]
    public static string[] QueueFanOut([QueueTrigger("e2e-fanout")] string message) => [message + "|1", message + "|2"];

    /// <summary>Returns null: no output message.</summary>
    [Function(nameof(QueueSink))]
    [QueueOutput("e2e-sink-out")]
    public static string? QueueSink([QueueTrigger("e2e-sink")] string message) => message == "emit" ? "emitted" : null;

    /// <summary>The latency probe: passes the message straight on.</summary>
    [Function(nameof(QueueRelay))]
    [QueueOutput("e2e-relay-out")]
    public static string QueueRelay([QueueTrigger("e2e-relay")] string message) => message;

    /// <summary>HTTP to queue: the body goes to e2e-echo through a named output, the caller gets 202.</summary>
    [Function(nameof(EnqueueFromHttp))]
    public static async Task<HttpEnqueueResult> EnqueueFromHttp([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "queues/echo")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        return new HttpEnqueueResult { Response = new AcceptedResult(), Message = body };
    }
}

/// <summary>What QueueEcho reports.</summary>
public sealed record EchoResult(string Message, string Id, long DequeueCount, string InsertionTime, bool HasPopReceipt);

/// <summary>The POCO a queue message deserializes into.</summary>
public sealed class QueueOrder
{
    public string Id { get; set; } = string.Empty;

    public int Quantity { get; set; }
}

/// <summary>An HTTP response plus a named queue output.</summary>
public sealed class HttpEnqueueResult
{
    [HttpResult]
    public IActionResult? Response { get; set; }

    [QueueOutput("e2e-echo")]
    public string? Message { get; set; }
}
