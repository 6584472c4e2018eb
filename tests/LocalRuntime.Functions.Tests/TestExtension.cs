using System.Collections.Concurrent;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LocalRuntime.Functions.Tests;

/// <summary>
/// An extension as Durable is one: it supplies the durableClient input binding, maps endpoints of its own (one keyed,
/// one catch-all under the function prefix), and records its start and stop.
/// </summary>
public sealed class TestExtension : IHostExtension
{
    public const string TaskHub = "TestHub";

    public ConcurrentQueue<string> Events { get; } = new();

    public IFunctionsHost? StartedWith { get; private set; }

    public Uri? BaseAddressAtStart { get; private set; }

    public bool WorkerReadyAtStop { get; private set; }

    public Func<bool>? IsWorkerReady { get; set; }

    public string Name => "test";

    public IReadOnlyCollection<string> TriggerTypes => ["activityTrigger"];

    public IReadOnlyCollection<string> InputBindingTypes => ["durableClient"];

    public IReadOnlyCollection<string> OutputBindingTypes => [];

    public TypedData BindInput(FunctionBinding binding, InvocationContext context)
    {
        Events.Enqueue($"bind {binding.Name} for {context.Function.Name} via {(context.HttpContext is null ? "invoke" : "http")}");

        // The payload shape Durable's worker extension reads; the client it builds connects lazily, so no sidecar is needed.
        return new TypedData
        {
            String = $$"""{"taskHubName":"{{TaskHub}}","connectionName":"Storage","rpcBaseUrl":"http://127.0.0.1:9/","requiredQueryStringParameters":"","httpBaseUrl":"http://127.0.0.1:9/runtime/webhooks/durabletask","maxGrpcMessageSizeInBytes":2147483647,"grpcHttpClientTimeout":"\"00:01:40\""}""",
        };
    }

    public Task WriteOutputAsync(FunctionBinding binding, TypedData value, InvocationContext context, CancellationToken cancellation) => Task.CompletedTask;

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/runtime/webhooks/test/open", () => "open");
        endpoints.MapGet("/runtime/webhooks/test/keyed", () => "keyed").RequireFunctionKey(FunctionAuthorizationLevel.Function);
        endpoints.MapGet("/runtime/webhooks/test/admin", () => "admin").RequireFunctionKey(FunctionAuthorizationLevel.Admin);

        // Would shadow the Inspect function's catch-all for this literal prefix: extension endpoints come first.
        endpoints.MapGet("/api/inspect/extension/{*rest}", (HttpContext http) => "extension " + http.Request.RouteValues["rest"]);
    }

    public Task StartAsync(IFunctionsHost host, CancellationToken cancellation)
    {
        StartedWith = host;
        BaseAddressAtStart = host.BaseAddress;
        Events.Enqueue($"start with {host.Functions.Count} functions");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellation)
    {
        WorkerReadyAtStop = IsWorkerReady?.Invoke() ?? false;
        Events.Enqueue("stop");
        return Task.CompletedTask;
    }
}
