using System.Text.Json;

namespace LocalRuntime.Functions.Extensibility;

/// <summary>Which way a binding carries data.</summary>
public enum BindingDirection
{
    /// <summary>Into the function (triggers and input bindings).</summary>
    In,

    /// <summary>Out of the function (output bindings, <c>$return</c>).</summary>
    Out,

    /// <summary>Both ways.</summary>
    InOut,
}

/// <summary>One binding of a function, as the worker indexed it (its raw JSON keeps every type-specific property).</summary>
/// <param name="Name">The binding's name (the parameter name, or <c>$return</c>).</param>
/// <param name="Type">The binding type, e.g. <c>httpTrigger</c>, <c>activityTrigger</c>, <c>durableClient</c>, <c>queue</c>.</param>
/// <param name="Direction">In, out or both.</param>
/// <param name="Raw">The raw binding JSON object from the worker's metadata.</param>
public sealed record FunctionBinding(string Name, string Type, BindingDirection Direction, JsonElement Raw)
{
    /// <summary>True for trigger bindings (types ending in <c>Trigger</c>).</summary>
    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>A string property of the raw binding JSON (case-insensitive name), or null.</summary>
    public string? GetString(string property)
    {
        foreach (var p in Raw.EnumerateObject())
        {
            if (string.Equals(p.Name, property, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
            {
                return p.Value.GetString();
            }
        }

        return null;
    }
}

/// <summary>A function of the app as the worker indexed it.</summary>
/// <param name="Name">The function's name.</param>
/// <param name="FunctionId">The id the worker assigned (used in invocation requests).</param>
/// <param name="EntryPoint">The method it runs, for diagnostics.</param>
/// <param name="Bindings">Every binding, the trigger included.</param>
public sealed record FunctionDescriptor(string Name, string FunctionId, string EntryPoint, IReadOnlyList<FunctionBinding> Bindings)
{
    /// <summary>The function's trigger binding.</summary>
    public FunctionBinding Trigger => Bindings.First(b => b.IsTrigger);
}
