namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// One unit of work for the writer: applied inside the batch transaction under its own savepoint (so a failing one
/// is undone alone), then, once the transaction has committed, told so on the writer thread in batch order (where
/// the provider updates its in-memory queues and wakes waiters), then completed.
/// </summary>
internal abstract class WriteOperation
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _completion.Task;

    /// <summary>Set when <see cref="Apply"/> threw; the operation's changes were rolled back.</summary>
    public Exception? Error { get; set; }

    /// <summary>Writes the operation's rows. Throwing undoes just this operation.</summary>
    public abstract void Apply(StoreWriter writer);

    /// <summary>After the commit, on the writer thread: memory effects (queues, caches, waiters). Must not throw.</summary>
    public virtual void Committed()
    {
    }

    /// <summary>When the operation did not commit (its own error or the batch's), on the writer thread. Must not throw.</summary>
    public virtual void Failed()
    {
    }

    public void Succeed() => _completion.TrySetResult();

    public void Fail(Exception error)
    {
        try
        {
            Failed();
        }
        finally
        {
            _completion.TrySetException(error);
        }
    }
}

/// <summary>A write operation written as two delegates (for small client writes).</summary>
internal sealed class DelegateWrite(Action<StoreWriter> apply, Action? committed = null) : WriteOperation
{
    public override void Apply(StoreWriter writer) => apply(writer);

    public override void Committed() => committed?.Invoke();
}
