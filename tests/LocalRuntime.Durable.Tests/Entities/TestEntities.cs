using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Durable.Tests.Entities;

/// <summary>A counter: the classic entity.</summary>
public sealed class Counter : TaskEntity<int>
{
    public void Add(int amount) => State += amount;

    public int Get() => State;

    public void Reset() => State = 0;

    public Task<int> AddAndGetAsync(int amount)
    {
        State += amount;
        return Task.FromResult(State);
    }

    /// <summary>Changes the state, then throws: the change must be rolled back.</summary>
    public void Fail()
    {
        State += 100;
        throw new InvalidOperationException("counter refused");
    }

    public void Forward(TaskEntityContext context, int amount) =>
        context.SignalEntity(new EntityInstanceId(nameof(Counter), Context.Id.Key + "-copy"), nameof(Add), amount);
}

/// <summary>A bank account with plain reads and writes, so transfers are read-modify-write.</summary>
public sealed class Account : TaskEntity<int>
{
    public int Balance() => State;

    public void Set(int balance) => State = balance;
}
