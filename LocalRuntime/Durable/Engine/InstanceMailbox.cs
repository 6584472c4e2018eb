namespace LocalRuntime.Durable.Engine;

/// <summary>
/// The messages waiting for one instance, and its cached session. At most one episode runs per
/// mailbox at a time (<see cref="Scheduled"/>); lock the mailbox to touch its lists.
/// </summary>
internal sealed class InstanceMailbox(string instanceId)
{
    public string InstanceId { get; } = instanceId;

    /// <summary>Messages not yet handed to an episode.</summary>
    public List<OrchestrationMessage> Pending { get; set; } = [];

    /// <summary>An emptied batch list kept for the next episode (saves a list per episode).</summary>
    public List<OrchestrationMessage>? Spare { get; set; }

    /// <summary>Messages held back while the instance is suspended (still stored, not consumed).</summary>
    public List<OrchestrationMessage> Held { get; } = [];

    /// <summary>Whether the mailbox is queued for or running an episode.</summary>
    public bool Scheduled { get; set; }

    /// <summary>The cached session; null when evicted or never loaded.</summary>
    public OrchestrationSession? Session { get; set; }

    /// <summary>Consecutive failed episodes, for back-off.</summary>
    public int Failures { get; set; }
}

/// <summary>A live orchestration: its state, context and running orchestrator code.</summary>
internal sealed class OrchestrationSession(InstanceState state, LocalOrchestrationContext context)
{
    public InstanceState State { get; set; } = state;

    public LocalOrchestrationContext Context { get; } = context;

    /// <summary>The orchestrator's task; null until ExecutionStarted is applied.</summary>
    public Task<object?>? Orchestrator { get; set; }

    /// <summary>Set when the orchestrator could not even start (unknown function).</summary>
    public Microsoft.DurableTask.TaskFailureDetails? StartFailure { get; set; }

    /// <summary>The execution's start event (parent info, name).</summary>
    public HistoryEvent? Started { get; set; }

    /// <summary>Time of the last episode, so episode times never go backwards.</summary>
    public DateTime LastEpisodeAt { get; set; }

    /// <summary>Whether the session reached a terminal state and must not run again.</summary>
    public bool IsFinished => State.IsTerminal;
}

/// <summary>A least-recently-used bound on the number of cached sessions.</summary>
internal sealed class SessionCache(int capacity)
{
    private readonly LinkedList<InstanceMailbox> _order = new();
    private readonly Dictionary<InstanceMailbox, LinkedListNode<InstanceMailbox>> _nodes = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _nodes.Count;
            }
        }
    }

    /// <summary>Marks a mailbox's session as just used; returns mailboxes whose sessions should be evicted.</summary>
    public List<InstanceMailbox>? Touch(InstanceMailbox mailbox)
    {
        lock (_gate)
        {
            if (_nodes.TryGetValue(mailbox, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
            }
            else
            {
                _nodes[mailbox] = _order.AddFirst(mailbox);
            }

            List<InstanceMailbox>? evicted = null;
            while (_nodes.Count > capacity && _order.Last is { } last && last.Value != mailbox)
            {
                _order.RemoveLast();
                _nodes.Remove(last.Value);
                (evicted ??= []).Add(last.Value);
            }

            return evicted;
        }
    }

    public void Remove(InstanceMailbox mailbox)
    {
        lock (_gate)
        {
            if (_nodes.Remove(mailbox, out var node))
            {
                _order.Remove(node);
            }
        }
    }
}
