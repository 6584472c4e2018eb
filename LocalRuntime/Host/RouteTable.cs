using System.Text;
using LocalRuntime.Functions.Hosting;

namespace LocalRuntime.Host;

/// <summary>The function list <c>func start</c> prints: HTTP functions with methods and URL, others with their trigger type.</summary>
internal static class RouteTable
{
    public static string Format(LocalFunctionsHost host)
    {
        var text = new StringBuilder();
        text.AppendLine().AppendLine("Functions:").AppendLine();
        var routes = host.HttpRoutes.ToDictionary(r => r.Function, StringComparer.OrdinalIgnoreCase);
        var baseAddress = host.BaseAddress.GetLeftPart(UriPartial.Authority);
        foreach (var function in host.Functions.OrderBy(f => routes.ContainsKey(f.Name) ? 0 : 1).ThenBy(f => f.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (routes.TryGetValue(function.Name, out var route))
            {
                var methods = route.Methods.Count == 0 ? "*" : string.Join(',', route.Methods);
                text.Append('\t').Append(function.Name).Append(": [").Append(methods).Append("] ").Append(baseAddress).AppendLine(route.Path);
            }
            else
            {
                text.Append('\t').Append(function.Name).Append(": ").AppendLine(function.Bindings.FirstOrDefault(b => b.IsTrigger)?.Type ?? "(no trigger)");
            }

            text.AppendLine();
        }

        text.AppendLine($"Worker process {host.Worker.ProcessId} ready. Press Ctrl+C to stop.");
        return text.ToString();
    }
}
