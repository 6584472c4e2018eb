using System.Collections.Concurrent;
using System.Text.Json;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Queues.Tests;

/// <summary>
/// An <see cref="IFunctionsHost"/> standing in for the host and its worker: records every invocation and answers
/// with what <see cref="Respond"/> decides (success by default).
/// </summary>
internal sealed class FakeFunctionsHost : IFunctionsHost
{
    private readonly ConcurrentQueue<Invocation> _invocations = new();
    private int _running;
    private int _maxRunning;

    public FakeFunctionsHost(params FunctionDescriptor[] functions) => Functions = functions;

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public Uri BaseAddress { get; } = new("http://127.0.0.1:7071/");

    /// <summary>Decides an invocation's outcome; may throw (e.g. <see cref="WorkerUnavailableException"/>) or wait.</summary>
    public Func<Invocation, CancellationToken, Task<InvocationResponse>> Respond { get; set; } = (_, _) => Task.FromResult(Success());

    public IReadOnlyList<Invocation> Invocations => [.. _invocations];

    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public int Running => Volatile.Read(ref _running);

    public static InvocationResponse Success() => new() { Result = new StatusResult { Status = StatusResult.Types.Status.Success } };

    public static InvocationResponse Failure(string message = "boom") => new()
    {
        Result = new StatusResult { Status = StatusResult.Types.Status.Failure, Exception = new RpcException { Message = message } },
    };

    public static FunctionDescriptor QueueFunction(string name, string queueName, string? dataType = "String", string? connection = null)
    {
        var binding = new Dictionary<string, object?> { ["name"] = "message", ["type"] = "queueTrigger", ["direction"] = "In", ["queueName"] = queueName };
        if (dataType is not null)
        {
            binding["dataType"] = dataType;
        }

        if (connection is not null)
        {
            binding["connection"] = connection;
        }

        var raw = JsonSerializer.SerializeToElement(binding);
        return new FunctionDescriptor(name, name + "-id", "Tests." + name, [new FunctionBinding("message", "queueTrigger", BindingDirection.In, raw)]);
    }

    public async Task<InvocationResponse> InvokeAsync(FunctionDescriptor function, TypedData triggerValue, IReadOnlyDictionary<string, TypedData>? triggerMetadata, CancellationToken cancellation)
    {
        var invocation = new Invocation(function.Name, triggerValue, triggerMetadata ?? new Dictionary<string, TypedData>());
        _invocations.Enqueue(invocation);
        var running = Interlocked.Increment(ref _running);
        int seen;
        while ((seen = Volatile.Read(ref _maxRunning)) < running && Interlocked.CompareExchange(ref _maxRunning, running, seen) != seen)
        {
        }

        try
        {
            return await Respond(invocation, cancellation);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>One recorded invocation.</summary>
    internal sealed record Invocation(string Function, TypedData Trigger, IReadOnlyDictionary<string, TypedData> Metadata)
    {
        public string Text => Trigger.DataCase == TypedData.DataOneofCase.Bytes ? Convert.ToBase64String(Trigger.Bytes.ToByteArray()) : Trigger.String;

        public long DequeueCount => long.Parse(Metadata["DequeueCount"].Json, System.Globalization.CultureInfo.InvariantCulture);
    }
}
