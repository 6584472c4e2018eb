using Microsoft.CodeAnalysis;

namespace ServerlessTasks.Analyzers;

/// <summary>The types the rules look for, resolved once per compilation (null when the compilation lacks one).</summary>
internal sealed class OrchestratorSymbols
{
    private OrchestratorSymbols(Compilation compilation, INamedTypeSymbol orchestrationContext)
    {
        OrchestrationContext = orchestrationContext;
        OrchestrationTrigger = compilation.GetTypeByMetadataName("Microsoft.Azure.Functions.Worker.OrchestrationTriggerAttribute");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        TaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory");
        TaskFactoryOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory`1");
        TaskScheduler = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskScheduler");
        Parallel = compilation.GetTypeByMetadataName("System.Threading.Tasks.Parallel");
        ConfigureAwaitOptions = compilation.GetTypeByMetadataName("System.Threading.Tasks.ConfigureAwaitOptions");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        ThreadPool = compilation.GetTypeByMetadataName("System.Threading.ThreadPool");
        ThreadingTimer = compilation.GetTypeByMetadataName("System.Threading.Timer");
        TimersTimer = compilation.GetTypeByMetadataName("System.Timers.Timer");
    }

    /// <summary><c>Microsoft.DurableTask.TaskOrchestrationContext</c>: code that takes or holds one is orchestrator code.</summary>
    public INamedTypeSymbol OrchestrationContext { get; }

    public INamedTypeSymbol? OrchestrationTrigger { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? TaskFactory { get; }

    public INamedTypeSymbol? TaskFactoryOfT { get; }

    public INamedTypeSymbol? TaskScheduler { get; }

    public INamedTypeSymbol? Parallel { get; }

    public INamedTypeSymbol? ConfigureAwaitOptions { get; }

    public INamedTypeSymbol? Thread { get; }

    public INamedTypeSymbol? ThreadPool { get; }

    public INamedTypeSymbol? ThreadingTimer { get; }

    public INamedTypeSymbol? TimersTimer { get; }

    /// <summary>The symbols of <paramref name="compilation"/>, or null when it has no Durable orchestrations to check.</summary>
    public static OrchestratorSymbols? TryCreate(Compilation compilation)
    {
        var context = compilation.GetTypeByMetadataName("Microsoft.DurableTask.TaskOrchestrationContext");
        return context is null ? null : new OrchestratorSymbols(compilation, context);
    }

    /// <summary>True for <c>TaskOrchestrationContext</c> and types derived from it.</summary>
    public bool IsOrchestrationContext(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, OrchestrationContext))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="type"/> (or its generic definition) is <paramref name="expected"/>.</summary>
    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
        type is not null && expected is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);
}
