using System.Globalization;
using System.Net;
using System.Text.Json;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Functions.Rpc;
using LocalRuntime.Functions.Telemetry;
using LocalRuntime.Functions.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace LocalRuntime.Functions.Http;

/// <summary>
/// Runs an HTTP-triggered function as the Functions host does with ASP.NET Core integration (<c>DefaultHttpProxyService</c>):
/// the original request (method, path, query, headers, body) is forwarded with YARP to the worker's <c>HttpUri</c> with
/// header <c>x-ms-invocation-id</c> and X-Forwarded-* (so the worker sees the client's host and scheme), while an
/// <c>InvocationRequest</c> with that id goes over the stream (trigger input an empty <c>RpcHttp</c>, trigger metadata the
/// route values, <c>Query</c> and <c>Headers</c>). The worker pairs the two; the response comes back on the forwarded call.
/// </summary>
internal sealed partial class HttpFunctionProxy : IDisposable
{
    public const string CorrelationHeader = "x-ms-invocation-id";

    // Shared, never mutated: the worker reads the request itself from the forwarded call.
    private static readonly TypedData EmptyHttp = new() { Http = new RpcHttp() };

    private readonly WorkerSupervisor _supervisor;
    private readonly FunctionInvoker _invoker;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly ForwarderRequestConfig _forwardConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };
    private readonly HttpRouting _routing;
    private readonly long _maxRequestBodySize;
    private readonly bool _detailedErrors;
    private readonly ILogger _logger;

    public HttpFunctionProxy(
        WorkerSupervisor supervisor,
        FunctionInvoker invoker,
        IHttpForwarder forwarder,
        HttpRouting routing,
        IOptions<LocalFunctionsHostOptions> options,
        IHostEnvironment environment,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        _supervisor = supervisor;
        _invoker = invoker;
        _forwarder = forwarder;
        _routing = routing;
        _maxRequestBodySize = options.Value.MaxRequestBodySize;
        _detailedErrors = environment.IsDevelopment();
        _logger = loggers.CreateLogger("LocalRuntime.Functions.Http");
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            // The forwarded request carries the host's invocation span as its traceparent (the client's own header is
            // replaced, as YARP does), so the worker's request pipeline joins the same trace as the invocation.
            ActivityHeadersPropagator = new ReverseProxyPropagator(System.Diagnostics.DistributedContextPropagator.Current),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        _client = new HttpMessageInvoker(new WorkerConnectRetryHandler(handler, time, _logger), disposeHandler: true);
    }

    public void Dispose() => _client.Dispose();

    public async Task HandleAsync(HttpContext http, FunctionEndpointMetadata endpoint)
    {
        var function = endpoint.Function;
        if (http.Request.ContentLength > _maxRequestBodySize)
        {
            await Problems.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"The request body is larger than the host's limit of {_maxRequestBodySize} bytes.");
            return;
        }

        WorkerInstance worker;
        try
        {
            worker = await _supervisor.GetReadyAsync(http.RequestAborted);
        }
        catch (WorkerUnavailableException ex)
        {
            await Problems.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", $"No worker is available to run '{function.Name}': {ex.Message}");
            return;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (worker.Channel.HttpUri is not { } workerUri || !worker.Channel.Functions.TryGetValue(function.Name, out var loaded))
        {
            await Problems.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", $"The worker has no HTTP endpoint for '{function.Name}'.");
            return;
        }

        var context = new InvocationContext(function, FunctionInvoker.NewInvocationId(), http);

        // Current while the invocation is built and the request forwarded: both carry this span's trace context.
        using var span = HostTelemetry.StartInvocation(function, context.InvocationId);
        InvocationRequest request;
        try
        {
            request = _invoker.CreateRequest(loaded, context, EmptyHttp, TriggerMetadata(http));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBindingFailed(_logger, ex, function.Name);
            await Problems.WriteAsync(http, StatusCodes.Status500InternalServerError, "Internal Server Error", $"The input bindings of '{function.Name}' could not be prepared.");
            return;
        }

        http.Request.Headers[CorrelationHeader] = context.InvocationId;
        _routing.RewriteForWorker(http.Request);

        // Forward first, then send the invocation, as the Functions host does (the worker waits up to 5 s for either half).
        var forwarding = _forwarder.SendAsync(http, workerUri.AbsoluteUri, _client, _forwardConfig, HttpTransformer.Default).AsTask();
        InvocationResponse? response = null;
        Exception? failure = null;
        try
        {
            response = await FunctionInvoker.SendAsync(worker, loaded, request, http.RequestAborted);
        }
        catch (Exception ex) when (ex is WorkerUnavailableException or OperationCanceledException or FunctionTimeoutException)
        {
            failure = ex;
        }

        // The forward ends too: the worker answers, or its connection dies with it (a timed-out worker is recycled).
        var forwardError = await forwarding;
        if (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (failure is not null)
        {
            var (status, title) = failure is FunctionTimeoutException
                ? (StatusCodes.Status500InternalServerError, "Internal Server Error")
                : (StatusCodes.Status503ServiceUnavailable, "Service Unavailable");
            LogInvocationFailed(_logger, function.Name, context.InvocationId, failure.Message);
            await FailAsync(http, status, title, $"'{function.Name}' did not complete: {failure.Message}");
            return;
        }

        FunctionInvoker.MarkFailed(span, response!);
        if (response!.Result?.Status != StatusResult.Types.Status.Success)
        {
            var detail = _detailedErrors && response.Result?.Exception is { } exception
                ? $"Function '{function.Name}' failed: {exception.Message}"
                : $"Function '{function.Name}' failed.";
            await FailAsync(http, StatusCodes.Status500InternalServerError, "Internal Server Error", detail, response.Result?.Exception?.Message);
            return;
        }

        if (forwardError != ForwarderError.None)
        {
            var exception = http.Features.Get<IForwarderErrorFeature>()?.Exception;
            LogForwardFailed(_logger, function.Name, forwardError.ToString(), exception?.Message ?? string.Empty);
            if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                await FailAsync(http, StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"The request body is larger than the host's limit of {_maxRequestBodySize} bytes.");
            }
            else
            {
                await FailAsync(http, StatusCodes.Status502BadGateway, "Bad Gateway", $"The request to '{function.Name}' could not be proxied to the worker ({forwardError}).");
            }

            return;
        }

        try
        {
            await _invoker.WriteOutputsAsync(response, context, http.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogOutputFailed(_logger, ex, function.Name);
            await FailAsync(http, StatusCodes.Status500InternalServerError, "Internal Server Error", $"The output bindings of '{function.Name}' could not be written.");
        }
    }

    /// <summary>Trigger metadata as the Functions host sends it for an HTTP trigger: route values, <c>Query</c>, <c>Headers</c>.</summary>
    private static Dictionary<string, TypedData> TriggerMetadata(HttpContext http)
    {
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal);
        foreach (var (name, value) in http.Request.RouteValues)
        {
            if (value is not null)
            {
                metadata[name] = new TypedData { String = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty };
            }
        }

        metadata["Query"] = new TypedData { Json = ToJson(http.Request.Query) };
        metadata["Headers"] = new TypedData { Json = ToJson(http.Request.Headers) };
        return metadata;
    }

    private static string ToJson(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in values)
            {
                json.WriteString(name, value.ToString());
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A problem response when nothing was sent yet; otherwise the connection is aborted, so the client sees the failure.</summary>
    private async Task FailAsync(HttpContext http, int status, string title, string detail, string? reason = null)
    {
        if (http.Response.HasStarted)
        {
            LogAborted(_logger, http.Response.StatusCode, reason is null ? detail : $"{detail} {reason}");
            http.Abort();
            return;
        }

        await Problems.WriteAsync(http, status, title, detail);
    }

    [LoggerMessage(EventId = 1701, Level = LogLevel.Error, Message = "The input bindings of {FunctionName} failed.")]
    private static partial void LogBindingFailed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Warning, Message = "HTTP invocation {InvocationId} of {FunctionName} did not complete: {Reason}")]
    private static partial void LogInvocationFailed(ILogger logger, string functionName, string invocationId, string reason);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "Proxying a request to {FunctionName} failed: {Error} {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, string functionName, string error, string reason);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Error, Message = "The output bindings of {FunctionName} failed.")]
    private static partial void LogOutputFailed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Warning, Message = "The response (status {StatusCode}) had started when the invocation failed; the client's connection is aborted: {Detail}")]
    private static partial void LogAborted(ILogger logger, int statusCode, string detail);
}
