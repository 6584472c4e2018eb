using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessTasks.Functions.Http;

/// <summary>
/// The catch-all under the route prefix: a path no function serves gets a 404 problem, and a path served only for
/// other methods a 405 problem with <c>Allow</c>, instead of the host's empty bodies. Routing prefers every literal
/// or parameter route over a catch-all, and a route whose method does not match is not a candidate, so this runs
/// only when nothing else would. The routes it knows are read from the app's own <see cref="HttpTriggerAttribute"/>s.
/// </summary>
public static class RouteFallback
{
    private static readonly Lazy<IReadOnlyList<(TemplateMatcher Matcher, string[] Methods)>> Routes = new(ReadRoutes);

    /// <summary>The catch-all function (every method but OPTIONS, which CORS preflight owns).</summary>
    [Function(nameof(UnknownRoute))]
    public static IActionResult UnknownRoute(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", "put", "patch", "delete", "head", Route = "{*path}")] HttpRequest request,
        string? path)
    {
        ArgumentNullException.ThrowIfNull(request);
        var allowed = AllowedMethods(path ?? string.Empty);
        if (allowed.Count == 0)
        {
            return ApiResults.Problem(404, "Not Found", $"No endpoint at {request.Method} {request.Path}; see docs/api.md for the routes.");
        }

        request.HttpContext.Response.Headers.Allow = string.Join(", ", allowed);
        return ApiResults.Problem(405, "Method Not Allowed", $"{request.Path} does not take {request.Method}; allowed: {string.Join(", ", allowed)}.");
    }

    /// <summary>The methods the app's functions serve at <paramref name="path"/> (relative to the route prefix), upper case.</summary>
    public static IReadOnlyList<string> AllowedMethods(string path)
    {
        var values = new RouteValueDictionary();
        var normalized = "/" + path.Trim('/');
        return
        [
            .. Routes.Value
                .Where(r => { values.Clear(); return r.Matcher.TryMatch(normalized, values); })
                .SelectMany(r => r.Methods)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal),
        ];
    }

    private static IReadOnlyList<(TemplateMatcher, string[])> ReadRoutes() =>
    [
        .. typeof(RouteFallback).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null && m.Name != nameof(UnknownRoute))
            .SelectMany(m => m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>())
            .Where(t => t.Route is not null)
            .Select(t => (new TemplateMatcher(TemplateParser.Parse(t.Route!), new RouteValueDictionary()),
                (t.Methods ?? ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).Select(m => m.ToUpperInvariant()).ToArray())),
    ];
}
