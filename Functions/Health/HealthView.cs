using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServerlessTasks.Functions.Health;

/// <summary>The overall health status, snake_case in JSON.</summary>
public enum OverallHealth
{
    /// <summary>Every check passed.</summary>
    Healthy,

    /// <summary>Working, with reasons to look.</summary>
    Degraded,

    /// <summary>A store or backend is unreachable (503).</summary>
    Unhealthy,
}

/// <summary>The body of <c>GET /api/health</c>.</summary>
/// <param name="Status">healthy, degraded or unhealthy.</param>
/// <param name="Reasons">Why it is not healthy, one line per finding (empty when healthy).</param>
/// <param name="Checks">Every check by name.</param>
public sealed record HealthView(OverallHealth Status, IReadOnlyList<string> Reasons, IReadOnlyDictionary<string, HealthCheckView> Checks)
{
    /// <summary>The view of a report.</summary>
    public static HealthView From(HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var checks = report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(
            e => e.Key,
            e => new HealthCheckView(Map(e.Value.Status), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1), e.Value.Data.Count == 0 ? null : e.Value.Data),
            StringComparer.Ordinal);
        var reasons = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? e.Value.Status.ToString()}").ToList();
        return new HealthView(Map(report.Status), reasons, checks);
    }

    private static OverallHealth Map(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => OverallHealth.Healthy,
        HealthStatus.Degraded => OverallHealth.Degraded,
        _ => OverallHealth.Unhealthy,
    };
}

/// <summary>One check's result.</summary>
/// <param name="Status">healthy, degraded or unhealthy.</param>
/// <param name="Description">What it found.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Data">Its figures (depths, ages, counts).</param>
public sealed record HealthCheckView(OverallHealth Status, string? Description, double DurationMs, IReadOnlyDictionary<string, object>? Data);
