using System.Diagnostics;
using LocalRuntime.Functions.Extensibility;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Http;

/// <summary>
/// The public listener's pipeline: a request log without query strings (keys travel in <c>?code=</c>), routing, function
/// keys, problem JSON for unknown routes (404) and wrong methods (405 with <c>Allow</c>), the extensions' endpoints and
/// then the functions' routes.
/// </summary>
internal static partial class HttpPipeline
{
    /// <summary>ASP.NET Core's request lines print the full URL; the host silences them below Warning and logs its own.</summary>
    public const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>YARP logs the destination URL (query included) at Information.</summary>
    public const string ForwarderCategory = "Yarp.ReverseProxy.Forwarder";

    public static void Configure(WebApplication app, IEnumerable<IHostExtension> extensions, FunctionEndpointDataSource functions)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LocalRuntime.Functions.Requests");
        var keys = app.Services.GetRequiredService<FunctionKeySecrets>();
        app.Use(async (http, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                await next(http);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            await next(http);
            LogRequest(logger, http.Request.Method, http.Request.PathBase + http.Request.Path, http.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        app.UseRouting();
        app.Use(async (http, next) =>
        {
            var endpoint = http.GetEndpoint();
            if (endpoint is null)
            {
                await Problems.WriteAsync(http, StatusCodes.Status404NotFound, "Not Found", $"No function or endpoint matches {http.Request.Method} '{http.Request.Path}'.");
                return;
            }

            if (endpoint.Metadata.GetMetadata<FunctionAuthorizationMetadata>() is { } authorization && !keys.IsAuthorized(http, authorization.Level))
            {
                await Problems.WriteAsync(http, StatusCodes.Status401Unauthorized, "Unauthorized",
                    $"'{http.Request.Path}' needs a valid {(authorization.Level == FunctionAuthorizationLevel.Admin ? "master" : "function")} key (x-functions-key header or code query).");
                return;
            }

            await next(http);

            // Routing's own 405 endpoint (the path matched, the method did not) sets Allow and no body: answer it as problem JSON.
            if (http.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && !http.Response.HasStarted
                && endpoint.Metadata.GetMetadata<FunctionEndpointMetadata>() is null && endpoint.Metadata.GetMetadata<ExtensionEndpointMetadata>() is null)
            {
                var allowed = http.Response.Headers.Allow.ToString();
                await Problems.WriteAsync(http, StatusCodes.Status405MethodNotAllowed, "Method Not Allowed",
                    $"'{http.Request.Path}' allows {(allowed.Length == 0 ? "no method" : allowed)}; the request used {http.Request.Method}.");
            }
        });

        foreach (var extension in extensions)
        {
            var group = app.MapGroup(string.Empty);
            group.WithMetadata(new ExtensionEndpointMetadata(extension.Name));
            extension.MapEndpoints(group);
        }

        ((IEndpointRouteBuilder)app).DataSources.Add(functions);
    }

    [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "HTTP {Method} {Path} -> {Status} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double elapsedMs);
}
