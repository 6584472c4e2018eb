using System.Collections.Concurrent;

namespace LocalRuntime.Durable.Engine;

public sealed partial class DurableEngine
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _stateChanged = new(StringComparer.Ordinal);

    /// <summary>
    /// A task that completes the next time a commit changes the instance's runtime status. Take it before
    /// reading the state, then wait on it only if the state read was not yet the wanted one: no change is
    /// missed. (Commits that leave the status alone, most episodes, wake nobody.)
    /// </summary>
    internal Task NextStateChange(string instanceId) =>
        _stateChanged.GetOrAdd(instanceId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void NotifyStateChanged(InstanceState state)
    {
        if (_stateChanged.TryRemove(state.InstanceId, out var waiters))
        {
            waiters.TrySetResult();
        }
    }
}
