using Microsoft.CodeAnalysis;

namespace ServerlessTasks.Analyzers;

/// <summary>One place where code leaves (or may leave) the scheduler it runs on: reported if that code is orchestrator code.</summary>
/// <param name="rule">The rule it breaks.</param>
/// <param name="location">Where (the member name and arguments of a call, or the whole expression).</param>
/// <param name="what">What it calls, for the message (e.g. <c>ConfigureAwait(false)</c>, <c>Task.Run</c>).</param>
internal sealed class SchedulerHop(DiagnosticDescriptor rule, Location location, string what)
{
    public DiagnosticDescriptor Rule { get; } = rule;

    public Location Location { get; } = location;

    public string What { get; } = what;
}
