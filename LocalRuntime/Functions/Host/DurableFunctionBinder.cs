using LocalRuntime.Durable.Engine;
using LocalRuntime.Functions.Queues;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LocalRuntime.Functions.Host;

/// <summary>Registers orchestrator, activity and entity functions with the engine's registry.</summary>
internal static class DurableFunctionBinder
{
    public static void Register(DurableFunctionRegistry registry, IEnumerable<FunctionDescriptor> functions, DurableTaskClient client, IServiceProvider services)
    {
        foreach (var function in functions)
        {
            var invoker = new FunctionInvoker(function, client, function.Kind == FunctionKind.Activity
                ? OutputBinder.Create(function, services.GetRequiredService<IQueueStore>(), services.GetRequiredService<AppSettingResolver>())
                : null);
            switch (function.Kind)
            {
                case FunctionKind.Orchestrator:
                    registry.AddOrchestrator(function.Name, new OrchestratorFunction(context => invoker.InvokeAsync(new InvocationBindings
                    {
                        FunctionContext = new LocalFunctionContext(function, services, CancellationToken.None),
                        OrchestrationContext = context,
                    })));
                    break;

                case FunctionKind.Activity:
                    registry.AddActivity(function.Name, async (invocation, cancellation) =>
                    {
                        await using var scope = services.CreateAsyncScope();
                        var result = await invoker.InvokeAsync(new InvocationBindings
                        {
                            FunctionContext = new LocalFunctionContext(function, scope.ServiceProvider, cancellation),
                            TriggerJson = invocation.Input,
                        });
                        return DataConverter.Serialize(result);
                    });
                    break;

                case FunctionKind.Entity:
                    registry.AddEntity(function.Name, async batch =>
                    {
                        await using var scope = services.CreateAsyncScope();
                        await invoker.InvokeAsync(new InvocationBindings
                        {
                            FunctionContext = new LocalFunctionContext(function, scope.ServiceProvider, CancellationToken.None),
                            TriggerValue = new TaskEntityDispatcher(batch, scope.ServiceProvider),
                        });
                    });
                    break;

                default:
                    break;
            }
        }
    }
}
