using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace ServerlessTasks.Analyzers;

/// <summary>Recognises the calls and references that leave the current scheduler (see <see cref="OrchestratorRules"/>).</summary>
internal static class SchedulerHopFinder
{
    /// <summary><c>ConfigureAwaitOptions.ContinueOnCapturedContext</c>.</summary>
    private const int ContinueOnCapturedContext = 1;

    /// <summary>The hop <paramref name="operation"/> makes, or null.</summary>
    public static SchedulerHop? Find(IOperation operation, OrchestratorSymbols symbols) => operation switch
    {
        IInvocationOperation invocation => FindInCall(invocation, symbols),
        IObjectCreationOperation creation when OrchestratorSymbols.Is(creation.Type, symbols.ThreadingTimer) || OrchestratorSymbols.Is(creation.Type, symbols.TimersTimer) =>
            new SchedulerHop(OrchestratorRules.OtherSchedulerWork, creation.Syntax.GetLocation(), $"new {creation.Type!.ToDisplayString()}"),
        IPropertyReferenceOperation property when property.Property.Name == "Default" && OrchestratorSymbols.Is(property.Property.ContainingType, symbols.TaskScheduler) =>
            new SchedulerHop(OrchestratorRules.OtherSchedulerContinuation, property.Syntax.GetLocation(), "TaskScheduler.Default"),
        _ => null,
    };

    private static SchedulerHop? FindInCall(IInvocationOperation invocation, OrchestratorSymbols symbols)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        var what = $"{type?.Name}.{method.Name}";
        if (method.Name == "ConfigureAwait")
        {
            return ResumesOnCapturedContext(invocation, symbols, out var argument)
                ? null
                : new SchedulerHop(OrchestratorRules.ConfigureAwait, CallLocation(invocation), $"ConfigureAwait({argument})");
        }

        if (OrchestratorSymbols.Is(type, symbols.Task) || OrchestratorSymbols.Is(type, symbols.TaskOfT))
        {
            return method.Name switch
            {
                "Run" or "Start" => Work(invocation, what),
                "ContinueWith" or "Yield" => Continuation(invocation, what),
                _ => null,
            };
        }

        if (OrchestratorSymbols.Is(type, symbols.TaskFactory) || OrchestratorSymbols.Is(type, symbols.TaskFactoryOfT))
        {
            return method.Name switch
            {
                "StartNew" => Work(invocation, what),
                "ContinueWhenAll" or "ContinueWhenAny" => Continuation(invocation, what),
                _ => null,
            };
        }

        if (OrchestratorSymbols.Is(type, symbols.Thread))
        {
            return method.Name is "Start" or "UnsafeStart" ? Work(invocation, what) : null;
        }

        if (OrchestratorSymbols.Is(type, symbols.ThreadPool))
        {
            // QueueUserWorkItem, UnsafeQueueUserWorkItem, UnsafeQueueNativeOverlapped, (Unsafe)RegisterWaitForSingleObject.
            return method.Name.Contains("Queue") || method.Name.Contains("Register") ? Work(invocation, what) : null;
        }

        return OrchestratorSymbols.Is(type, symbols.Parallel) ? Work(invocation, what) : null;
    }

    /// <summary>
    /// True when a ConfigureAwait call keeps the continuation on the captured context: its argument is the constant
    /// <c>true</c>, or constant <c>ConfigureAwaitOptions</c> that include <c>ContinueOnCapturedContext</c>. Anything
    /// else (false, a variable, options without the flag) may leave it.
    /// </summary>
    private static bool ResumesOnCapturedContext(IInvocationOperation invocation, OrchestratorSymbols symbols, out string argument)
    {
        foreach (var arg in invocation.Arguments)
        {
            var parameterType = arg.Parameter?.Type;
            if (parameterType?.SpecialType == SpecialType.System_Boolean)
            {
                argument = arg.Value.Syntax.ToString();
                var value = arg.Value.ConstantValue;
                return value.HasValue && value.Value is true;
            }

            if (symbols.ConfigureAwaitOptions is not null && SymbolEqualityComparer.Default.Equals(parameterType, symbols.ConfigureAwaitOptions))
            {
                argument = arg.Value.Syntax.ToString();
                var value = arg.Value.ConstantValue;
                return value.HasValue && value.Value is int options && (options & ContinueOnCapturedContext) != 0;
            }
        }

        // A ConfigureAwait without a bool or options parameter is not the BCL's: nothing to judge.
        argument = string.Empty;
        return true;
    }

    private static SchedulerHop Work(IInvocationOperation invocation, string what) =>
        new(OrchestratorRules.OtherSchedulerWork, CallLocation(invocation), what);

    private static SchedulerHop Continuation(IInvocationOperation invocation, string what) =>
        new(OrchestratorRules.OtherSchedulerContinuation, CallLocation(invocation), what);

    /// <summary>
    /// The called name and its arguments (<c>ConfigureAwait(false)</c> in <c>x.CallAsync().ConfigureAwait(false)</c>),
    /// so a diagnostic on a long chain points at the call that breaks the rule.
    /// </summary>
    private static Location CallLocation(IInvocationOperation invocation)
    {
        if (invocation.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } call)
        {
            return Location.Create(call.SyntaxTree, TextSpan.FromBounds(member.Name.SpanStart, call.Span.End));
        }

        return invocation.Syntax.GetLocation();
    }
}
