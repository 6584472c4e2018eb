namespace ServerlessTasks.Activities.Workers;

/// <summary>
/// Wakes waiting lease calls when work is queued in this process (no busy polling). A task of one type wakes one
/// waiter that can run it, the longest waiting: waking every waiter for every enqueue made each of them run a store
/// step that the first one had already made pointless (a burst of N enqueues cost up to N x waiters empty lease
/// steps). Work that may be of any type (re-queued, given back) wakes everyone. A waiter woken for a task it then did
/// not look for (it returned with others, or stopped waiting) passes the wake on, so no queued task is left without
/// a look. Work queued by another instance is found by the lease call's slow re-check.
/// </summary>
public sealed class WorkSignal
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiters = [];

    /// <summary>Registers a waiter for work of <paramref name="types"/> (null: any). Register before looking, so work queued between the look and the wait still wakes it.</summary>
    public Waiter Register(IReadOnlyCollection<string>? types)
    {
        var waiter = new Waiter(types);
        lock (_gate)
        {
            waiter.Node = _waiters.AddLast(waiter);
        }

        return waiter;
    }

    /// <summary>A task of <paramref name="taskType"/> was queued: wakes the longest-waiting waiter that runs it.</summary>
    public void Pulse(string taskType)
    {
        ArgumentNullException.ThrowIfNull(taskType);
        Waiter? woken = null;
        lock (_gate)
        {
            for (var node = _waiters.First; node is not null; node = node.Next)
            {
                if (node.Value.Types is null || node.Value.Types.Contains(taskType))
                {
                    woken = node.Value;
                    Remove(woken);
                    break;
                }
            }
        }

        woken?.Woken.TrySetResult(taskType);
    }

    /// <summary>Work of any type may be waiting: wakes everyone waiting now.</summary>
    public void Pulse()
    {
        List<Waiter> all;
        lock (_gate)
        {
            all = [.. _waiters];
            foreach (var waiter in all)
            {
                Remove(waiter);
            }
        }

        foreach (var waiter in all)
        {
            waiter.Woken.TrySetResult(null);
        }
    }

    /// <summary>Waits until <paramref name="waiter"/> is woken, at most <paramref name="timeout"/>; true when woken.</summary>
    public static async Task<bool> WaitAsync(Waiter waiter, TimeSpan timeout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(waiter);
        try
        {
            await waiter.Woken.Task.WaitAsync(timeout, cancellation);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// The waiter is done. <paramref name="passOn"/>: a wake it got goes to the next waiter (it stops, or returns with
    /// what it found, which need not be what the wake was for); false when its caller looks at the queue next.
    /// </summary>
    public void Leave(Waiter waiter, bool passOn)
    {
        ArgumentNullException.ThrowIfNull(waiter);
        lock (_gate)
        {
            Remove(waiter);
        }

        // Claim the wake: a pulse arriving after this finds the waiter gone.
        if (!waiter.Woken.TrySetCanceled() && passOn)
        {
            var type = waiter.Woken.Task.Result;
            if (type is null)
            {
                Pulse();
            }
            else
            {
                Pulse(type);
            }
        }
    }

    private void Remove(Waiter waiter)
    {
        if (waiter.Node is { List: not null } node)
        {
            _waiters.Remove(node);
        }

        waiter.Node = null;
    }

    /// <summary>One lease call waiting for work.</summary>
    public sealed class Waiter
    {
        internal Waiter(IReadOnlyCollection<string>? types) => Types = types is null ? null : new HashSet<string>(types, StringComparer.Ordinal);

        internal IReadOnlySet<string>? Types { get; }

        internal TaskCompletionSource<string?> Woken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal LinkedListNode<Waiter>? Node { get; set; }
    }
}
