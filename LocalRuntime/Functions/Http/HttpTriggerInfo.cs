using System.Text.Json;
using LocalRuntime.Functions.Extensibility;

namespace LocalRuntime.Functions.Http;

/// <summary>An HTTP trigger's route, methods and authorization level, from its binding JSON.</summary>
/// <param name="Route">The route template after the prefix (the function's name when the binding has none).</param>
/// <param name="Methods">Upper-case methods; empty for any.</param>
/// <param name="Level">The authorization level.</param>
internal sealed record HttpTriggerInfo(string Route, IReadOnlyList<string> Methods, FunctionAuthorizationLevel Level)
{
    public const string TriggerType = "httpTrigger";

    public static HttpTriggerInfo? From(FunctionDescriptor function)
    {
        var trigger = function.Bindings.FirstOrDefault(b => string.Equals(b.Type, TriggerType, StringComparison.OrdinalIgnoreCase));
        if (trigger is null)
        {
            return null;
        }

        var methods = new List<string>();
        foreach (var property in trigger.Raw.EnumerateObject())
        {
            if (string.Equals(property.Name, "methods", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Array)
            {
                methods.AddRange(property.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!.ToUpperInvariant()));
            }
        }

        var route = trigger.GetString("route");
        return new HttpTriggerInfo(
            string.IsNullOrWhiteSpace(route) ? function.Name : route.Trim('/'),
            methods.Distinct(StringComparer.Ordinal).ToArray(),
            FunctionKeySecrets.ParseLevel(trigger.GetString("authLevel")));
    }
}
