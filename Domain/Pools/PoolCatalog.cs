using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Domain.Pools;

/// <summary>
/// The configured pools and which task types use them: knowledge of "does this task need a slot, and where" in one
/// place. Built once from settings at startup; immutable.
/// </summary>
public sealed class PoolCatalog
{
    private readonly Dictionary<string, PoolSettings> _pools;
    private readonly Dictionary<string, string> _byTaskType;

    /// <summary>Builds the catalog; throws naming every bad setting.</summary>
    public PoolCatalog(IReadOnlyDictionary<string, PoolSettings> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        _pools = new Dictionary<string, PoolSettings>(pools, StringComparer.Ordinal);
        _byTaskType = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var (name, settings) in _pools)
        {
            if (name.Length == 0 || name.Contains('#', StringComparison.Ordinal) || name.Contains('|', StringComparison.Ordinal))
            {
                problems.Add($"Pools:{name}: a pool name must be non-empty without '#' or '|'");
            }

            problems.AddRange(settings.Problems(name));
            foreach (var type in settings.TaskTypeList)
            {
                if (!_byTaskType.TryAdd(type, name))
                {
                    problems.Add($"Pools:{name}:TaskTypes: task type '{type}' is already in pool '{_byTaskType[type]}'");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid pool settings: {string.Join("; ", problems)}.", nameof(pools));
        }
    }

    /// <summary>No pools.</summary>
    public static PoolCatalog Empty { get; } = new(new Dictionary<string, PoolSettings>());

    /// <summary>The pools by name.</summary>
    public IReadOnlyDictionary<string, PoolSettings> Pools => _pools;

    /// <summary>The pool a task type acquires slots of, or null.</summary>
    public string? PoolFor(string taskType) => _byTaskType.TryGetValue(taskType, out var pool) ? pool : null;

    /// <summary>The settings of a pool, or null.</summary>
    public PoolSettings? Settings(string pool) => _pools.GetValueOrDefault(pool);

    /// <summary>The entity key of the shard a task attempt uses: <c>{pool}#{shard}</c>, shard a stable hash of the holder and task.</summary>
    public string ShardKey(string pool, string holder, string taskId)
    {
        var shards = Math.Max(1, Settings(pool)?.Shards ?? 1);
        var shard = shards == 1 ? 0 : (int)(StableHash.Of(holder, taskId) % (ulong)shards);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{pool}#{shard}");
    }

    /// <summary>The pool name of a shard key.</summary>
    public static string PoolOf(string shardKey)
    {
        ArgumentNullException.ThrowIfNull(shardKey);
        var hash = shardKey.LastIndexOf('#');
        return hash < 0 ? shardKey : shardKey[..hash];
    }
}
