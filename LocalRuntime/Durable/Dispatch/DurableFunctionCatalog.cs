using LocalRuntime.Functions.Extensibility;

namespace LocalRuntime.Durable.Dispatch;

/// <summary>The app's orchestrator, activity and entity functions by the names Durable dispatches them under (case-insensitive, as Functions names are).</summary>
internal sealed class DurableFunctionCatalog
{
    public const string OrchestrationTrigger = "orchestrationTrigger";
    public const string ActivityTrigger = "activityTrigger";
    public const string EntityTrigger = "entityTrigger";

    private readonly Dictionary<string, FunctionDescriptor> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FunctionDescriptor> _activities = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FunctionDescriptor> _entities = new(StringComparer.OrdinalIgnoreCase);

    public DurableFunctionCatalog(IEnumerable<FunctionDescriptor> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        foreach (var function in functions)
        {
            var trigger = function.Bindings.FirstOrDefault(b => b.IsTrigger);
            switch (trigger?.Type)
            {
                case var t when string.Equals(t, OrchestrationTrigger, StringComparison.OrdinalIgnoreCase):
                    _orchestrators[trigger!.GetString("orchestration") ?? function.Name] = function;
                    break;
                case var t when string.Equals(t, ActivityTrigger, StringComparison.OrdinalIgnoreCase):
                    _activities[trigger!.GetString("activity") ?? function.Name] = function;
                    break;
                case var t when string.Equals(t, EntityTrigger, StringComparison.OrdinalIgnoreCase):
                    _entities[trigger!.GetString("entityName") ?? function.Name] = function;
                    break;
            }
        }
    }

    public int Count => _orchestrators.Count + _activities.Count + _entities.Count;

    public bool TryGetOrchestrator(string name, out FunctionDescriptor function) => _orchestrators.TryGetValue(name, out function!);

    public bool TryGetActivity(string name, out FunctionDescriptor function) => _activities.TryGetValue(name, out function!);

    public bool TryGetEntity(string name, out FunctionDescriptor function) => _entities.TryGetValue(name, out function!);

    /// <summary>The message Durable gives for a name no function has: names the kind and what exists.</summary>
    public string Missing(string kind, string name)
    {
        var known = kind switch
        {
            "orchestrator" => _orchestrators.Keys,
            "activity" => _activities.Keys,
            _ => (IEnumerable<string>)_entities.Keys,
        };
        var list = string.Join(", ", known.Order(StringComparer.OrdinalIgnoreCase));
        return $"The {kind} function '{name}' doesn't exist, is disabled, or is not an {kind} function. Known {kind} functions: {(list.Length == 0 ? "(none)" : list)}.";
    }
}
