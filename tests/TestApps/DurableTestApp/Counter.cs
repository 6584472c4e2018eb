using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Entities;

namespace DurableTestApp;

/// <summary>A counter entity: <c>add</c>, <c>get</c>, <c>reset</c>.</summary>
public sealed class Counter : TaskEntity<int>
{
    /// <summary>Adds to the count.</summary>
    public void Add(int amount) => State += amount;

    /// <summary>The count.</summary>
    public int Get() => State;

    /// <summary>Back to zero.</summary>
    public void Reset() => State = 0;

    /// <summary>The entity function.</summary>
    [Function(nameof(Counter))]
    public static Task Dispatch([EntityTrigger] TaskEntityDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        return dispatcher.DispatchAsync<Counter>();
    }
}
