using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LocalRuntime.Functions.Http;

/// <summary>
/// The route prefix the host serves (host.json <c>extensions.http.routePrefix</c>, environment overrides applied) and the
/// one the worker routes by: the worker reads host.json from the app folder itself, so when an override changes the
/// host's prefix the forwarded path is rewritten to the worker's.
/// </summary>
internal sealed class HttpRouting(string hostPrefix, string workerPrefix)
{
    public string HostPrefix { get; } = hostPrefix;

    public string WorkerPrefix { get; } = workerPrefix;

    /// <summary>The prefix the worker uses: <c>extensions.http.routePrefix</c> of the app folder's host.json, default <c>api</c>.</summary>
    public static string ReadWorkerPrefix(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return "api";
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var node = document.RootElement;
        foreach (var name in new[] { "extensions", "http", "routePrefix" })
        {
            if (node.ValueKind != JsonValueKind.Object || !TryGet(node, name, out node))
            {
                return "api";
            }
        }

        return node.ValueKind == JsonValueKind.String ? node.GetString()!.Trim('/') : "api";
    }

    public void RewriteForWorker(HttpRequest request)
    {
        if (string.Equals(HostPrefix, WorkerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var path = request.Path.Value ?? "/";
        var rest = HostPrefix.Length == 0 ? path : path.Substring(Math.Min(path.Length, HostPrefix.Length + 1));
        request.Path = WorkerPrefix.Length == 0 ? new PathString(rest.StartsWith('/') ? rest : "/" + rest) : new PathString("/" + WorkerPrefix + (rest.StartsWith('/') ? rest : "/" + rest));
    }

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
