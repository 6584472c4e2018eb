using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.Azure.Functions.Worker;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Analyzers.Orchestration;
using Microsoft.DurableTask.Client;

namespace ServerlessTasks.Analyzers.Tests;

/// <summary>
/// Compiles a source snippet against .NET 10 and the real Functions and Durable assemblies (no download: the
/// references ship in packages), runs analyzers on it and compares their diagnostics with the markup
/// (<c>{|STO0001:ConfigureAwait(false)|}</c>) and any extra expected results, exactly.
/// </summary>
internal static class Snippets
{
    /// <summary>The usings every snippet starts with.</summary>
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Azure.Functions.Worker;
        using Microsoft.DurableTask;
        using Microsoft.DurableTask.Client;

        """;

    /// <summary>Every analyzer in Microsoft.DurableTask.Analyzers.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> MicrosoftAnalyzers { get; } =
    [
        .. typeof(ThreadTaskOrchestrationAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    /// <summary>Runs our analyzer on <paramref name="source"/> (after <see cref="Usings"/>).</summary>
    public static Task VerifyOursAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAsync(source, [new OrchestratorSchedulerAnalyzer()], expected);

    /// <summary>Runs Microsoft's analyzers on <paramref name="source"/> (after <see cref="Usings"/>).</summary>
    public static Task VerifyMicrosoftAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAsync(source, MicrosoftAnalyzers, expected);

    private static Task VerifyAsync(string source, ImmutableArray<DiagnosticAnalyzer> analyzers, DiagnosticResult[] expected)
    {
        var test = new Run(analyzers) { TestCode = Usings + source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    private sealed class Run : CSharpAnalyzerTest<OrchestratorSchedulerAnalyzer, DefaultVerifier>
    {
        private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;

        public Run(ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            _analyzers = analyzers;
            // No reference package (the framework would fetch one): .NET 10's reference assemblies come from Basic.Reference.Assemblies.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestState.AdditionalReferences.AddRange(Net100.References.All);
            foreach (var type in new[] { typeof(TaskOrchestrationContext), typeof(OrchestrationTriggerAttribute), typeof(FunctionAttribute), typeof(DurableTaskClient) })
            {
                TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(type.Assembly.Location));
            }
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => _analyzers;
    }
}
