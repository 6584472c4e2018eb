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

    /// <summary>
    /// Called by a waiter whose wanted state was already there: when the instance is terminal, no commit may ever
    /// complete <paramref name="changed"/>, so drop it rather than keep one entry per finished instance forever.
    /// Anyone else holding it is woken and reads the state again.
    /// </summary>
    internal void ForgetStateChange(string instanceId, Task changed)
    {
        if (_stateChanged.TryGetValue(instanceId, out var waiters) && waiters.Task == changed
            && _stateChanged.TryRemove(new KeyValuePair<string, TaskCompletionSource>(instanceId, waiters)))
        {
            waiters.TrySetResult();
        }
    }

    /// <summary>How many instances have a state-change waiter registered (diagnostics and tests).</summary>
    internal int StateChangeWaiterCount => _stateChanged.Count;

    private void NotifyStateChanged(InstanceState state)
    {
        if (_stateChanged.TryRemove(state.InstanceId, out var waiters))
        {
            waiters.TrySetResult();
        }
    }
}
