using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ServerlessTasks.Analyzers;

/// <summary>
/// Reports code that leaves the orchestration's scheduler (<see cref="OrchestratorRules"/>) in orchestrator code:
/// every method, constructor, accessor, local function and lambda that takes a <c>TaskOrchestrationContext</c> (an
/// <c>[OrchestrationTrigger]</c> function, an <c>ITaskOrchestrator</c>, a helper handed the context), every member of a
/// type that holds one in a field, property or primary-constructor parameter, and everything in this compilation that
/// code runs, transitively (see <see cref="OrchestratorCodeGraph"/>). Activities and HTTP functions take no context,
/// so they are orchestrator code only if orchestrator code calls them directly.
/// </summary>
[DiagnosticAnalyzer(Microsoft.CodeAnalysis.LanguageNames.CSharp)]
public sealed class OrchestratorSchedulerAnalyzer : DiagnosticAnalyzer
{
    private const string TakesContextReason = "it takes a TaskOrchestrationContext";
    private const string HoldsContextReason = "its type holds a TaskOrchestrationContext";
    private const string OrchestratorFunctionReason = "it is an [OrchestrationTrigger] function";

    private static readonly OperationKind[] InspectedKinds =
    [
        OperationKind.Invocation,
        OperationKind.ObjectCreation,
        OperationKind.PropertyReference,
        OperationKind.MethodReference,
        OperationKind.AnonymousFunction,
        OperationKind.LocalFunction,
        OperationKind.Binary,
        OperationKind.Unary,
        OperationKind.Conversion,
        OperationKind.CompoundAssignment,
        OperationKind.Increment,
        OperationKind.Decrement,
    ];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [OrchestratorRules.ConfigureAwait, OrchestratorRules.OtherSchedulerWork, OrchestratorRules.OtherSchedulerContinuation];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        ThrowIfNull(context);
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = OrchestratorSymbols.TryCreate(start.Compilation);
            if (symbols is null)
            {
                return; // no Durable Task SDK here: no orchestrator code
            }

            var graph = new OrchestratorCodeGraph();
            start.RegisterOperationBlockStartAction(block => StartBlock(block, symbols, graph));
            start.RegisterCompilationEndAction(end =>
            {
                foreach (var (hop, unit, why) in graph.HopsInOrchestratorCode())
                {
                    end.ReportDiagnostic(Diagnostic.Create(hop.Rule, hop.Location, hop.What, OrchestratorCodeGraph.DisplayName(unit), why));
                }
            });
        });
    }

    private static void StartBlock(OperationBlockStartAnalysisContext block, OrchestratorSymbols symbols, OrchestratorCodeGraph graph)
    {
        var owner = Normalize(block.OwningSymbol);
        switch (owner)
        {
            case IMethodSymbol method:
                SeedIfOrchestratorCode(method, symbols, graph);
                AddDispatchEdges(method, graph);
                break;
            case IFieldSymbol { IsStatic: false } or IPropertySymbol { IsStatic: false }:
                graph.AddInstanceInitializer(owner.ContainingType, owner);
                break;
        }

        if (owner.ContainingType is { } type && graph.HoldsContext(type, t => HoldsContext(t, symbols)))
        {
            graph.AddSeed(owner, HoldsContextReason);
        }

        block.RegisterOperationAction(op => Inspect(op.Operation, owner, symbols, graph), InspectedKinds);
    }

    private static void Inspect(IOperation operation, ISymbol owner, OrchestratorSymbols symbols, OrchestratorCodeGraph graph)
    {
        if (IsInNameOfOrAttribute(operation))
        {
            return; // nameof(Activity) names code, it does not run it
        }

        var unit = UnitOf(operation, owner);
        switch (operation)
        {
            case IInvocationOperation invocation:
                graph.AddEdge(unit, Normalize(invocation.TargetMethod));
                break;
            case IObjectCreationOperation { Constructor: { } constructor }:
                graph.AddEdge(unit, Normalize(constructor));
                break;
            case IPropertyReferenceOperation property:
                AddAccessorEdges(unit, property.Property, graph);
                break;
            case IMethodReferenceOperation reference:
                graph.AddEdge(unit, Normalize(reference.Method));
                break;
            case IAnonymousFunctionOperation lambda:
                graph.AddEdge(unit, lambda.Symbol);
                SeedIfOrchestratorCode(lambda.Symbol, symbols, graph);
                break;
            case ILocalFunctionOperation local:
                graph.AddEdge(unit, Normalize(local.Symbol));
                SeedIfOrchestratorCode(local.Symbol, symbols, graph);
                break;
            case IBinaryOperation { OperatorMethod: { } op }:
                graph.AddEdge(unit, Normalize(op));
                break;
            case IUnaryOperation { OperatorMethod: { } op }:
                graph.AddEdge(unit, Normalize(op));
                break;
            case IConversionOperation { OperatorMethod: { } op }:
                graph.AddEdge(unit, Normalize(op));
                break;
            case ICompoundAssignmentOperation { OperatorMethod: { } op }:
                graph.AddEdge(unit, Normalize(op));
                break;
            case IIncrementOrDecrementOperation { OperatorMethod: { } op }:
                graph.AddEdge(unit, Normalize(op));
                break;
        }

        if (SchedulerHopFinder.Find(operation, symbols) is { } hop)
        {
            graph.AddHop(unit, hop);
        }
    }

    private static void SeedIfOrchestratorCode(IMethodSymbol method, OrchestratorSymbols symbols, OrchestratorCodeGraph graph)
    {
        foreach (var parameter in method.Parameters)
        {
            if (symbols.IsOrchestrationContext(parameter.Type))
            {
                graph.AddSeed(Normalize(method), TakesContextReason);
                return;
            }

            if (symbols.OrchestrationTrigger is { } trigger
                && parameter.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, trigger)))
            {
                graph.AddSeed(Normalize(method), OrchestratorFunctionReason);
                return;
            }
        }
    }

    /// <summary>A virtual or interface member declared here runs whichever override or implementation the object has.</summary>
    private static void AddDispatchEdges(IMethodSymbol method, OrchestratorCodeGraph graph)
    {
        for (var overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
        {
            if (IsInSource(overridden))
            {
                graph.AddEdge(Normalize(overridden), method);
            }
        }

        if (method.MethodKind is not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation or MethodKind.PropertyGet or MethodKind.PropertySet)
            || method.IsStatic)
        {
            return;
        }

        foreach (var implemented in method.ExplicitInterfaceImplementations)
        {
            if (IsInSource(implemented))
            {
                graph.AddEdge(Normalize(implemented), method);
            }
        }

        foreach (var iface in method.ContainingType.AllInterfaces)
        {
            if (!IsInSource(iface))
            {
                continue;
            }

            foreach (var member in iface.GetMembers(method.Name).OfType<IMethodSymbol>())
            {
                if (SymbolEqualityComparer.Default.Equals(method.ContainingType.FindImplementationForInterfaceMember(member)?.OriginalDefinition, method))
                {
                    graph.AddEdge(Normalize(member), method);
                }
            }
        }
    }

    private static void AddAccessorEdges(ISymbol unit, IPropertySymbol property, OrchestratorCodeGraph graph)
    {
        if (property.GetMethod is { } getter)
        {
            graph.AddEdge(unit, Normalize(getter));
        }

        if (property.SetMethod is { } setter)
        {
            graph.AddEdge(unit, Normalize(setter));
        }
    }

    /// <summary>
    /// True when <paramref name="type"/> keeps a context for its members: an instance field or property of that type,
    /// or a primary-constructor parameter (captured by the members that use it).
    /// </summary>
    private static bool HoldsContext(INamedTypeSymbol type, OrchestratorSymbols symbols)
    {
        foreach (var member in type.GetMembers())
        {
            var held = member switch
            {
                IFieldSymbol { IsStatic: false } field => field.Type,
                IPropertySymbol { IsStatic: false } property => property.Type,
                IMethodSymbol { MethodKind: MethodKind.Constructor } constructor when IsPrimaryConstructor(constructor) =>
                    constructor.Parameters.FirstOrDefault(p => symbols.IsOrchestrationContext(p.Type))?.Type,
                _ => null,
            };
            if (symbols.IsOrchestrationContext(held))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPrimaryConstructor(IMethodSymbol constructor) =>
        constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax);

    /// <summary>The innermost lambda or local function around <paramref name="operation"/>, else the block's owner.</summary>
    private static ISymbol UnitOf(IOperation operation, ISymbol owner)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            switch (parent)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol;
                case ILocalFunctionOperation local:
                    return Normalize(local.Symbol);
            }
        }

        return owner;
    }

    private static bool IsInNameOfOrAttribute(IOperation operation)
    {
        for (var current = operation; current is not null; current = current.Parent)
        {
            if (current.Kind is OperationKind.NameOf or OperationKind.Attribute)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The declaration a use refers to: generic definitions, the static form of extension methods, partial implementations.</summary>
    private static ISymbol Normalize(ISymbol symbol) => symbol is IMethodSymbol method ? Normalize(method) : symbol.OriginalDefinition;

    private static IMethodSymbol Normalize(IMethodSymbol method)
    {
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        return definition.PartialImplementationPart ?? definition;
    }

    private static bool IsInSource(ISymbol symbol) => symbol.Locations.Any(l => l.IsInSource);

    private static void ThrowIfNull(AnalysisContext context)
    {
        if (context is null)
        {
            throw new System.ArgumentNullException(nameof(context));
        }
    }
}
