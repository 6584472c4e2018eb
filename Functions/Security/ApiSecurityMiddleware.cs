using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using ServerlessTasks.Functions.Http;

namespace ServerlessTasks.Functions.Security;

/// <summary>
/// The app's API keys and per-client rate limits, as Functions worker middleware: it runs in the worker for every HTTP
/// trigger, before the function, on any host (ours, <c>func start</c>, Azure). A refused request gets a problem response
/// (401 without a valid <c>x-api-key</c>, 429 with <c>Retry-After</c> over the limit) and the function never runs, so
/// nothing is created. Anonymous-level triggers need no key; every trigger is rate limited. A key with a tenant then passes
/// <see cref="TenantGuard"/>: ids its tenant does not own answer 404.
/// </summary>
/// <remarks>
/// Keys are checked first, so a client's bucket is its configured name; without keys the bucket is the caller's address
/// (the first <c>X-Forwarded-For</c> entry that Azure's front end sets, else the connection's address). The key itself is
/// never logged or stored; logs name the client or say why a key was refused.
/// </remarks>
public sealed partial class ApiSecurityMiddleware(ApiKeyAuthenticator keys, ClientRateLimiter limiter, TenantGuard tenants, ILogger<ApiSecurityMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <summary>Where the request's <see cref="ClientIdentity"/> is kept in <see cref="FunctionContext.Items"/>.</summary>
    public const string IdentityItem = "ServerlessTasks.ClientIdentity";

    private static readonly ConcurrentDictionary<string, bool> AnonymousTriggers = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is not { } http || (!keys.Enabled && !limiter.Enabled))
        {
            await next(context);
            return;
        }

        ClientIdentity? identity = null;
        if (keys.Enabled && !IsAnonymous(context.FunctionDefinition))
        {
            var presented = http.Request.Headers[ApiKeyOptions.Header].ToString();
            identity = keys.Authenticate(presented);
            if (identity is null)
            {
                LogRefused(logger, context.FunctionDefinition.Name, presented.Length == 0 ? "no key" : "unknown key");
                context.GetInvocationResult().Value = ApiResults.Problem(401, "Unauthorized",
                    $"Send a valid API key in the '{ApiKeyOptions.Header}' header.");
                return;
            }

            context.Items[IdentityItem] = identity;
            http.Items[IdentityItem] = identity; // for code that has the request, not the function context (TenantScope)
        }

        var client = identity is not null ? "key:" + identity.Client : "address:" + ClientAddress(http);
        if (limiter.TryAcquire(client) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            LogLimited(logger, identity?.Client ?? "anonymous", context.FunctionDefinition.Name, seconds);
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            context.GetInvocationResult().Value = ApiResults.Problem(429, "Too Many Requests",
                $"Rate limit exceeded (RateLimiting:RequestsPerSecond); retry after {seconds} s. Nothing was created.");
            return;
        }

        if (identity?.Tenant is { } tenant && await tenants.CheckAsync(context.FunctionDefinition, http.Request, tenant, context.CancellationToken) is { } refused)
        {
            context.GetInvocationResult().Value = refused;
            return;
        }

        await next(context);
    }

    /// <summary>The caller's address for its bucket when no key names it.</summary>
    private static string ClientAddress(HttpContext http)
    {
        var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0)
        {
            var first = forwarded.Split(',', 2)[0].Trim();
            if (first.Length > 0)
            {
                return first;
            }
        }

        return http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    /// <summary>
    /// Whether the function's HTTP trigger is <see cref="AuthorizationLevel.Anonymous"/>: read once per function from its
    /// entry point's <see cref="HttpTriggerAttribute"/>, the same attribute the host reads its key requirement from, so
    /// the app's keys and the host's Functions keys guard the same endpoints.
    /// </summary>
    private static bool IsAnonymous(FunctionDefinition function) =>
        AnonymousTriggers.GetOrAdd(function.EntryPoint, static entryPoint =>
        {
            var split = entryPoint.LastIndexOf('.');
            var type = split > 0 ? typeof(ApiSecurityMiddleware).Assembly.GetType(entryPoint[..split]) : null;
            var method = type?.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
                .FirstOrDefault(m => m.Name == entryPoint[(split + 1)..] && m.GetCustomAttribute<FunctionAttribute>() is not null);
            var trigger = method?.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
            return trigger?.AuthLevel == AuthorizationLevel.Anonymous;
        });

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Request to {Function} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string function, string reason);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Information, Message = "Rate limit: {Client} refused on {Function}, retry after {Seconds} s")]
    private static partial void LogLimited(ILogger logger, string client, string function, int seconds);
}
