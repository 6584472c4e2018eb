using LocalRuntime.Durable.Engine;
using LocalRuntime.Functions.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Host;

/// <summary>Maps HTTP-triggered functions onto Kestrel routes (<c>/{routePrefix}/{route}</c>).</summary>
internal static class HttpFunctionEndpoints
{
    public static void Map(WebApplication app, HostSettings settings, IEnumerable<FunctionDescriptor> functions, DurableEngine engine, FunctionKeyAuthorizer keys)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LocalRuntime.Functions.Http");
        var queues = app.Services.GetRequiredService<IQueueStore>();
        var names = app.Services.GetRequiredService<AppSettingResolver>();
        foreach (var function in functions)
        {
            var trigger = function.Http!;
            var route = (trigger.Route ?? function.Name).Trim('/');
            var pattern = settings.RoutePrefix.Length == 0 ? $"/{route}" : $"/{settings.RoutePrefix}/{route}";
            var invoker = new FunctionInvoker(function, engine.Client, OutputBinder.Create(function, queues, names));
            RequestDelegate handler = http => HandleAsync(http, function, invoker, keys, logger);
            var endpoint = trigger.Methods is { Length: > 0 } methods
                ? app.MapMethods(pattern, methods.Select(m => m.ToUpperInvariant()), handler)
                : app.Map(pattern, handler);
            endpoint.WithName(function.Name);
        }
    }

    private static async Task HandleAsync(HttpContext http, FunctionDescriptor function, FunctionInvoker invoker, FunctionKeyAuthorizer keys, ILogger logger)
    {
        if (!keys.IsAuthorized(http, function.Http!.AuthLevel))
        {
            await Problem.WriteAsync(http, StatusCodes.Status401Unauthorized, "Unauthorized", "A valid function key is required (x-functions-key header or code query).");
            return;
        }

        object? result;
        try
        {
            result = await invoker.InvokeAsync(new InvocationBindings
            {
                FunctionContext = new LocalFunctionContext(function, http.RequestServices, http.RequestAborted),
                HttpContext = http,
            });
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Function {Function} failed.", function.Name);
            if (!http.Response.HasStarted)
            {
                await Problem.WriteAsync(http, StatusCodes.Status500InternalServerError, "Internal Server Error", $"Function '{function.Name}' failed.");
            }

            return;
        }

        switch (result)
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
                break;
            case IResult minimal:
                await minimal.ExecuteAsync(http);
                break;
            case null:
                http.Response.StatusCode = StatusCodes.Status200OK;
                break;
            case string text:
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync(text, http.RequestAborted);
                break;
            default:
                await http.Response.WriteAsJsonAsync(result, result.GetType(), DataConverter.Options, http.RequestAborted);
                break;
        }
    }
}
