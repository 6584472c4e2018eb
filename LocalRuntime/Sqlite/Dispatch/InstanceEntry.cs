using DurableTask.Core.History;

namespace LocalRuntime.Sqlite.Dispatch;

/// <summary>
/// What the provider knows in memory of one instance with work: its stored messages not yet handed out, those
/// handed to the current lock holder, the lock, and (optionally) its current history. Guarded by the service's gate.
/// </summary>
internal sealed class InstanceEntry(string instanceId, byte[] key)
{
    public string InstanceId { get; } = instanceId;

    public byte[] Key { get; } = key;

    public bool IsEntity { get; } = DurableTask.Core.Common.Entities.IsEntityInstance(instanceId);

    /// <summary>Messages not handed out, in id order (visible or not yet).</summary>
    public List<PendingMessage> Pending { get; } = [];

    /// <summary>Messages handed to the lock holder in its latest batch (consumed by its next checkpoint).</summary>
    public List<PendingMessage> InFlight { get; set; } = [];

    /// <summary>Its priority in the ready queue, from the tags of its current execution.</summary>
    public int Priority { get; set; }

    /// <summary>0 when unlocked.</summary>
    public long LockToken { get; set; }

    public DateTime LockedUntil { get; set; }

    /// <summary>In the ready queue now.</summary>
    public bool Queued { get; set; }

    /// <summary>A checkpoint of the lock holder is being written: the lock does not expire meanwhile.</summary>
    public bool Committing { get; set; }

    /// <summary>The lock holder's extended session waits for messages (the lock is alive while it waits).</summary>
    public TaskCompletionSource<bool>? SessionWake { get; set; }

    /// <summary>When the wake-up set for its earliest future message (a timer) fires; <see cref="DateTime.MaxValue"/> when none is set.</summary>
    public DateTime WakeAt { get; set; } = DateTime.MaxValue;

    /// <summary>The current execution's history as last committed, when cached.</summary>
    public List<HistoryEvent>? History { get; set; }

    public LinkedListNode<InstanceEntry>? CacheNode { get; set; }

    public bool HasVisible(DateTime now)
    {
        foreach (var message in Pending)
        {
            if (message.VisibleAt <= now)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Moves the visible pending messages into <see cref="InFlight"/> and returns them.</summary>
    public List<PendingMessage> TakeVisible(DateTime now)
    {
        var taken = new List<PendingMessage>();
        var kept = 0;
        for (var i = 0; i < Pending.Count; i++)
        {
            var message = Pending[i];
            if (message.VisibleAt <= now)
            {
                taken.Add(message);
            }
            else
            {
                Pending[kept++] = message;
            }
        }

        Pending.RemoveRange(kept, Pending.Count - kept);
        InFlight = taken;
        return taken;
    }

    /// <summary>Puts the in-flight messages back in front of the pending ones (in id order).</summary>
    public void ReturnInFlight()
    {
        if (InFlight.Count > 0)
        {
            Pending.InsertRange(0, InFlight);
            Pending.Sort(static (a, b) => a.Id.CompareTo(b.Id));
            InFlight = [];
        }
    }

    public bool IsIdle => LockToken == 0 && Pending.Count == 0 && InFlight.Count == 0;
}
