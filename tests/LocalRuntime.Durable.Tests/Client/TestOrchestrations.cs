using DurableTask.Core;

namespace LocalRuntime.Durable.Tests.Client;

// In-process DTFx orchestrations and activities: these tests exercise the client path, not the worker.

public sealed class EchoActivity : TaskActivity<string, string>
{
    protected override string Execute(TaskContext context, string input) => "echo:" + input;
}

/// <summary>Echoes its input through an activity; custom status <c>{"step":"echo"}</c>.</summary>
public sealed class EchoOrchestration : TaskOrchestration<string, string, string, object>
{
    private bool _echoed;

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        var result = await context.ScheduleTask<string>(typeof(EchoActivity), input);
        _echoed = true;
        return result;
    }

    public override object OnGetStatus() => _echoed ? new { step = "echo" } : new { step = "start" };
}

/// <summary>Waits for the event <c>approve</c> and returns its payload.</summary>
public sealed class WaitForEventOrchestration : TaskOrchestration<string, string, string, object?>
{
    private readonly TaskCompletionSource<string> _approved = new();

    public override Task<string> RunTask(OrchestrationContext context, string input) => _approved.Task;

    public override void OnEvent(OrchestrationContext context, string name, string input)
    {
        if (name == "approve")
        {
            _approved.TrySetResult(input);
        }
    }

    public override object? OnGetStatus() => null;
}

/// <summary>Fails with <c>boom</c>.</summary>
public sealed class FailingOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) => throw new InvalidOperationException("boom");
}

/// <summary>Starts a <see cref="WaitForEventOrchestration"/> child as <c>{id}:child</c> and waits for it.</summary>
public sealed class ParentOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) =>
        context.CreateSubOrchestrationInstance<string>(nameof(WaitForEventOrchestration), string.Empty, context.OrchestrationInstance.InstanceId + ":child", input);
}

/// <summary>An integer counter entity: <c>add</c> (input: amount), <c>get</c>, <c>delete</c>.</summary>
public sealed class CounterEntity : global::DurableTask.Core.Entities.TaskEntity
{
    public override Task<global::DurableTask.Core.Entities.OperationFormat.EntityBatchResult> ExecuteOperationBatchAsync(global::DurableTask.Core.Entities.OperationFormat.EntityBatchRequest operations)
    {
        int? state = operations.EntityState is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : null;
        var results = new List<global::DurableTask.Core.Entities.OperationFormat.OperationResult>();
        foreach (var operation in operations.Operations ?? [])
        {
            switch (operation.Operation)
            {
                case "add":
                    state = (state ?? 0) + int.Parse(operation.Input ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "delete":
                    state = null;
                    break;
            }

            results.Add(new global::DurableTask.Core.Entities.OperationFormat.OperationResult { Result = state?.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        return Task.FromResult(new global::DurableTask.Core.Entities.OperationFormat.EntityBatchResult
        {
            Results = results,
            Actions = [],
            EntityState = state?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }
}
