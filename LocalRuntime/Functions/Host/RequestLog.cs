using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Host;

/// <summary>
/// Request logging without query strings. Function keys travel in <c>?code=</c>, and ASP.NET Core's own
/// request lines (category <c>Microsoft.AspNetCore.Hosting.Diagnostics</c>) print the full URL, so the host
/// silences those below Warning and logs method, path, status and time instead.
/// </summary>
internal static class RequestLog
{
    public const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static void Use(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LocalRuntime.Functions.Requests");
        app.Use(async (http, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                await next(http);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            await next(http);
            logger.LogInformation("HTTP {Method} {Path} -> {Status} in {Elapsed:0.0} ms",
                http.Request.Method, http.Request.PathBase + http.Request.Path, http.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
    }
}
