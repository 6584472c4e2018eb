using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace ServerlessTasks.Analyzers;

/// <summary>
/// What one compilation's code calls, and where it leaves its scheduler, collected while the compiler analyses each
/// body (concurrently); at the end, the code reachable from the seeds is orchestrator code and its hops are reported.
/// </summary>
/// <remarks>
/// A unit is a method, constructor, accessor, local function or lambda (or a field or property initializer); an edge
/// means "runs the other's code": calls, object creations, property uses, method groups, user-defined operators,
/// the lambdas and local functions written inside, overrides and implementations of a source member (virtual and
/// interface calls), and a type's instance initializers (from its constructors).
/// </remarks>
internal sealed class OrchestratorCodeGraph
{
    private readonly ConcurrentDictionary<ISymbol, ConcurrentQueue<ISymbol>> _edges = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, ConcurrentQueue<SchedulerHop>> _hops = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<ISymbol, string> _seeds = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, ConcurrentQueue<ISymbol>> _initializers = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _holdsContext = new(SymbolEqualityComparer.Default);

    /// <summary>Whether <paramref name="type"/> holds a context, decided once per type by <paramref name="decide"/>.</summary>
    public bool HoldsContext(INamedTypeSymbol type, Func<INamedTypeSymbol, bool> decide) => _holdsContext.GetOrAdd(type, decide);

    /// <summary>Code in <paramref name="from"/> runs the code of <paramref name="to"/>.</summary>
    public void AddEdge(ISymbol from, ISymbol to)
    {
        if (!SymbolEqualityComparer.Default.Equals(from, to))
        {
            _edges.GetOrAdd(from, _ => new ConcurrentQueue<ISymbol>()).Enqueue(to);
        }
    }

    /// <summary><paramref name="unit"/> is orchestrator code in itself, for <paramref name="reason"/>.</summary>
    public void AddSeed(ISymbol unit, string reason) => _seeds.TryAdd(unit, reason);

    /// <summary><paramref name="unit"/> leaves its scheduler at <paramref name="hop"/>.</summary>
    public void AddHop(ISymbol unit, SchedulerHop hop) => _hops.GetOrAdd(unit, _ => new ConcurrentQueue<SchedulerHop>()).Enqueue(hop);

    /// <summary><paramref name="initializer"/> (a field or property) runs when an instance of <paramref name="type"/> is constructed.</summary>
    public void AddInstanceInitializer(INamedTypeSymbol type, ISymbol initializer) =>
        _initializers.GetOrAdd(type, _ => new ConcurrentQueue<ISymbol>()).Enqueue(initializer);

    /// <summary>Every hop in orchestrator code, with its unit and why that unit is orchestrator code.</summary>
    public IEnumerable<(SchedulerHop Hop, ISymbol Unit, string Why)> HopsInOrchestratorCode()
    {
        // Breadth first, so each unit names the seed nearest to it.
        var why = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
        var queue = new Queue<ISymbol>();
        // Sorted by source position (the compiler fills these concurrently), so messages name the same seed on every build.
        foreach (var seed in _seeds.OrderBy(s => OrderKey(s.Key), StringComparer.Ordinal))
        {
            why[seed.Key] = seed.Value;
            queue.Enqueue(seed.Key);
        }

        while (queue.Count > 0)
        {
            var unit = queue.Dequeue();
            var reached = ReachedFrom(unit, why[unit]);
            foreach (var next in Next(unit).OrderBy(OrderKey, StringComparer.Ordinal))
            {
                if (!why.ContainsKey(next))
                {
                    why[next] = reached;
                    queue.Enqueue(next);
                }
            }
        }

        foreach (var unit in _hops)
        {
            if (why.TryGetValue(unit.Key, out var reason))
            {
                foreach (var hop in unit.Value)
                {
                    yield return (hop, unit.Key, reason);
                }
            }
        }
    }

    /// <summary>How a callee of <paramref name="unit"/> came to be orchestrator code.</summary>
    private static string ReachedFrom(ISymbol unit, string unitWhy) =>
        unitWhy.StartsWith(ReachedPrefix, StringComparison.Ordinal) ? unitWhy : ReachedPrefix + DisplayName(unit) + "'";

    private const string ReachedPrefix = "reached from '";

    private IEnumerable<ISymbol> Next(ISymbol unit)
    {
        if (_edges.TryGetValue(unit, out var callees))
        {
            foreach (var callee in callees)
            {
                yield return callee;
            }
        }

        if (unit is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } constructor
            && _initializers.TryGetValue(constructor.ContainingType, out var initializers))
        {
            foreach (var initializer in initializers)
            {
                yield return initializer;
            }
        }
    }

    private static string OrderKey(ISymbol symbol) =>
        symbol.Locations.FirstOrDefault(l => l.IsInSource) is { } location
            ? location.SourceTree!.FilePath + ":" + location.SourceSpan.Start.ToString("D9", System.Globalization.CultureInfo.InvariantCulture)
            : symbol.ToDisplayString();

    /// <summary>A unit's name for messages: the member, or the member a lambda is written in.</summary>
    public static string DisplayName(ISymbol unit)
    {
        if (unit is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } lambda)
        {
            return DisplayName(lambda.ContainingSymbol) + " (lambda)";
        }

        return unit.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
    }
}
