using LocalRuntime.Durable.Engine;

namespace LocalRuntime.Durable.Stores;

/// <summary>Filter logic shared by stores that filter in process.</summary>
public static class InstanceFilterMatcher
{
    /// <summary>Whether a state passes the filter (continuation aside).</summary>
    public static bool Matches(InstanceFilter filter, InstanceState state)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(state);
        return (filter.CreatedFrom is null || state.CreatedAt >= filter.CreatedFrom)
            && (filter.CreatedTo is null || state.CreatedAt <= filter.CreatedTo)
            && (filter.Statuses is null || filter.Statuses.Count == 0 || filter.Statuses.Contains(state.Status))
            && (filter.InstanceIdPrefix is null || state.InstanceId.StartsWith(filter.InstanceIdPrefix, StringComparison.Ordinal));
    }

    /// <summary>Cuts a list fetched with one extra row into a page and its continuation token.</summary>
    public static InstancePage ToPage(List<InstanceState> fetched, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(fetched);
        if (fetched.Count <= pageSize)
        {
            return new InstancePage(fetched, null);
        }

        fetched.RemoveAt(fetched.Count - 1);
        return new InstancePage(fetched, fetched[^1].InstanceId);
    }
}
