using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace HostTestApp;

/// <summary>HTTP functions covering what the host's proxy must carry: methods, routes, query, headers, bodies, status codes.</summary>
public static class HttpFunctions
{
    /// <summary>GET or POST; the greeting comes from the worker's environment (local.settings.json Values).</summary>
    [Function(nameof(Hello))]
    public static IActionResult Hello([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post")] HttpRequest req)
    {
        var greeting = Environment.GetEnvironmentVariable("HostTestApp__Greeting") ?? "(no greeting)";
        var name = req.Query["name"].FirstOrDefault() ?? "world";
        return new OkObjectResult($"{greeting}, {name}");
    }

    /// <summary>Echoes the body, its content type, and the request's method back.</summary>
    [Function(nameof(Echo))]
    public static async Task<IActionResult> Echo([HttpTrigger(AuthorizationLevel.Anonymous, "post", "put")] HttpRequest req)
    {
        using var reader = new StreamReader(req.Body);
        var body = await reader.ReadToEndAsync(req.HttpContext.RequestAborted);
        req.HttpContext.Response.Headers["X-Echo-Method"] = req.Method;
        return new ContentResult { Content = body, ContentType = req.ContentType ?? "text/plain", StatusCode = 200 };
    }

    /// <summary>Route values with constraints and an optional parameter, bound both from the route and as parameters.</summary>
    [Function(nameof(Product))]
    public static IActionResult Product(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "products/{category:alpha}/{id:int?}")] HttpRequest req,
        string category,
        int? id) =>
        new JsonResult(new { category, id, routeCategory = req.RouteValues["category"]?.ToString(), path = req.Path.Value });

    /// <summary>Answers with the status code in the route and a custom header.</summary>
    [Function(nameof(Status))]
    public static IActionResult Status([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "status/{code:int}")] HttpRequest req, int code)
    {
        req.HttpContext.Response.Headers["X-Status-Header"] = "set-by-function";
        return new ContentResult { StatusCode = code, Content = $"status {code}", ContentType = "text/plain" };
    }

    /// <summary>What the worker saw of the request: scheme and host (X-Forwarded-*), headers, query.</summary>
    [Function(nameof(Inspect))]
    public static IActionResult Inspect([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "delete", Route = "inspect/{*rest}")] HttpRequest req) =>
        new JsonResult(new
        {
            scheme = req.Scheme,
            host = req.Host.Value,
            path = req.Path.Value,
            query = req.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            headers = req.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
        });

    /// <summary>A large response written in chunks (streamed, no Content-Length).</summary>
    [Function(nameof(Large))]
    public static async Task Large([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "large/{size:int}")] HttpRequest req, int size)
    {
        var response = req.HttpContext.Response;
        response.ContentType = "application/octet-stream";
        var chunk = new byte[64 * 1024];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (byte)(i % 251);
        }

        for (var written = 0; written < size;)
        {
            var count = Math.Min(chunk.Length, size - written);
            await response.Body.WriteAsync(chunk.AsMemory(0, count), req.HttpContext.RequestAborted);
            written += count;
        }
    }

    /// <summary>Reads a (large) request body as a stream and reports its length and SHA-256.</summary>
    [Function(nameof(Upload))]
    public static async Task<IActionResult> Upload([HttpTrigger(AuthorizationLevel.Anonymous, "post")] HttpRequest req)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long length = 0;
        int read;
        while ((read = await req.Body.ReadAsync(buffer, req.HttpContext.RequestAborted)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            length += read;
        }

        return new JsonResult(new { length, sha256 = Convert.ToHexString(sha.GetHashAndReset()) });
    }

    /// <summary>Needs a function key when keys are configured.</summary>
    [Function(nameof(Guarded))]
    public static IActionResult Guarded([HttpTrigger(AuthorizationLevel.Function, "get")] HttpRequest req) => new OkObjectResult("guarded");

    /// <summary>Needs the master key when keys are configured.</summary>
    [Function(nameof(AdminOnly))]
    public static IActionResult AdminOnly([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "admin/only")] HttpRequest req) => new OkObjectResult("admin");

    /// <summary>Throws: the worker reports a failed invocation.</summary>
    [Function(nameof(Throws))]
    public static IActionResult Throws([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req) =>
        throw new InvalidOperationException("Throws was asked to throw.");

    /// <summary>Waits (up to a minute) until the invocation is cancelled, then logs that it saw the cancellation.</summary>
    [Function(nameof(Slow))]
    public static async Task<IActionResult> Slow([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req, FunctionContext context)
    {
        var logger = context.GetLogger("HostTestApp.Slow");
        var marker = req.Query["marker"].FirstOrDefault() ?? "none";
        logger.LogWarning("Slow started {Marker}", marker);
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(1), context.CancellationToken);
            return new OkObjectResult("slow done");
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Slow cancelled {Marker}", marker);
            throw;
        }
    }

    /// <summary>Logs once at each level with a marker, through the function's own logger.</summary>
    [Function(nameof(Logs))]
    public static IActionResult Logs([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req, FunctionContext context)
    {
        var logger = context.GetLogger("HostTestApp.Logs");
        var marker = req.Query["marker"].FirstOrDefault() ?? "none";
        logger.LogTrace("trace {Marker}", marker);
        logger.LogDebug("debug {Marker}", marker);
        logger.LogInformation("information {Marker}", marker);
        logger.LogWarning("warning {Marker}", marker);
        logger.LogError("error {Marker}", marker);
        return new OkObjectResult(marker);
    }

    /// <summary>Logs at Information from a function whose category host.json turns down to Warning.</summary>
    [Function(nameof(Quiet))]
    public static IActionResult Quiet([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req, FunctionContext context)
    {
        var logger = context.GetLogger("HostTestApp.Quiet");
        var marker = req.Query["marker"].FirstOrDefault() ?? "none";
        logger.LogInformation("quiet information {Marker}", marker);
        logger.LogWarning("quiet warning {Marker}", marker);
        return new OkObjectResult(marker);
    }

    /// <summary>The smallest HTTP function, for the benchmark.</summary>
    [Function(nameof(Ping))]
    public static IActionResult Ping([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req) => new OkObjectResult("pong");

    /// <summary>Echoes a JSON body back as JSON (content negotiation through the worker's serializer).</summary>
    [Function(nameof(Json))]
    public static async Task<IActionResult> Json([HttpTrigger(AuthorizationLevel.Anonymous, "post")] HttpRequest req)
    {
        using var document = await JsonDocument.ParseAsync(req.Body, cancellationToken: req.HttpContext.RequestAborted);
        return new JsonResult(new { received = document.RootElement.Clone() }) { StatusCode = 201 };
    }
}
