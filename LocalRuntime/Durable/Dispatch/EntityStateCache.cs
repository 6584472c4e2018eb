using System.Collections.Concurrent;

namespace LocalRuntime.Durable.Dispatch;

/// <summary>
/// Entity states kept between the batches of one extended session. An entry unused for longer than <paramref name="idleLimit"/>
/// (twice the session idle timeout) belongs to a session DTFx has ended, whose next batch brings the state again: it is dropped.
/// </summary>
internal sealed class EntityStateCache(TimeSpan idleLimit, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string? State, long Used)> _states = new(StringComparer.Ordinal);
    private long _lastSweep;

    /// <summary>The state kept for <paramref name="instanceId"/>; without one the batch is abandoned, and DTFx starts over with the stored state.</summary>
    public string? Get(string instanceId) =>
        _states.TryGetValue(instanceId, out var entry)
            ? entry.State
            : throw new DurableTask.Core.Exceptions.SessionAbortedException($"Entity {instanceId}: the session's state is no longer held here; the batch runs again from the stored state.");

    public void Set(string instanceId, string? state)
    {
        var now = time.GetTimestamp();
        _states[instanceId] = (state, now);
        if (time.GetElapsedTime(Interlocked.Read(ref _lastSweep), now) > idleLimit)
        {
            Interlocked.Exchange(ref _lastSweep, now);
            foreach (var (key, entry) in _states)
            {
                if (time.GetElapsedTime(entry.Used, now) > idleLimit)
                {
                    _states.TryRemove(KeyValuePair.Create(key, entry));
                }
            }
        }
    }
}
