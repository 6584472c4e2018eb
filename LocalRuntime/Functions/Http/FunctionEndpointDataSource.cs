using LocalRuntime.Functions.Extensibility;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace LocalRuntime.Functions.Http;

/// <summary>
/// The HTTP-triggered functions' endpoints (<c>/{routePrefix}/{route}</c>, their methods), built once the worker has
/// loaded its functions and rebuilt when a restarted worker reports them again. Ordered after every extension
/// endpoint, so extension routes win over a function's catch-all.
/// </summary>
internal sealed partial class FunctionEndpointDataSource(HttpFunctionProxy proxy, ILogger<FunctionEndpointDataSource> logger) : EndpointDataSource, IDisposable
{
    /// <summary>Function endpoints come after extension endpoints (order 0) whatever their precedence.</summary>
    public const int FunctionOrder = 1;

    private readonly object _gate = new();
    private IReadOnlyList<Endpoint> _endpoints = [];
    private CancellationTokenSource _changed = new();

    public override IReadOnlyList<Endpoint> Endpoints => Volatile.Read(ref _endpoints);

    /// <summary>The routes, for printing as <c>func start</c> does.</summary>
    public IReadOnlyList<(FunctionDescriptor Function, HttpTriggerInfo Trigger, string Pattern)> Routes { get; private set; } = [];

    public override IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    public void Dispose() => _changed.Dispose();

    public void Update(string routePrefix, IEnumerable<FunctionDescriptor> functions)
    {
        var endpoints = new List<Endpoint>();
        var routes = new List<(FunctionDescriptor, HttpTriggerInfo, string)>();
        foreach (var function in functions)
        {
            if (HttpTriggerInfo.From(function) is not { } trigger)
            {
                continue;
            }

            var template = routePrefix.Length == 0 ? trigger.Route : $"{routePrefix}/{trigger.Route}";
            RoutePattern pattern;
            try
            {
                pattern = RoutePatternFactory.Parse(template);
            }
            catch (RoutePatternException ex)
            {
                LogBadRoute(logger, function.Name, template, ex.Message);
                continue;
            }

            var metadata = new FunctionEndpointMetadata(function, trigger);
            RequestDelegate handler = http => proxy.HandleAsync(http, metadata);
            var builder = new RouteEndpointBuilder(handler, pattern, FunctionOrder) { DisplayName = $"Function {function.Name}" };
            builder.Metadata.Add(metadata);
            builder.Metadata.Add(new FunctionAuthorizationMetadata(trigger.Level));
            if (trigger.Methods.Count > 0)
            {
                builder.Metadata.Add(new HttpMethodMetadata(trigger.Methods));
            }

            endpoints.Add(builder.Build());
            routes.Add((function, trigger, "/" + template));
        }

        CancellationTokenSource previous;
        lock (_gate)
        {
            Routes = routes;
            Volatile.Write(ref _endpoints, endpoints);
            previous = _changed;
            _changed = new CancellationTokenSource();
        }

        previous.Cancel();
        previous.Dispose();
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Error, Message = "Function {FunctionName} has a route the host cannot parse ('{Template}'): {Reason}. It is not reachable over HTTP.")]
    private static partial void LogBadRoute(ILogger logger, string functionName, string template, string reason);
}
