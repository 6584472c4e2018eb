namespace ServerlessTasks.Functions.Security;

/// <summary>
/// Per-client rate limits (section <c>RateLimiting</c>): a token bucket per client refilled at
/// <see cref="RequestsPerSecond"/> holding at most <see cref="Burst"/> requests. Off when <see cref="RequestsPerSecond"/>
/// is unset.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "RateLimiting";

    /// <summary>Sustained requests per second per client (fractions allowed); null: no limit.</summary>
    public double? RequestsPerSecond { get; set; }

    /// <summary>Requests a client may make at once after being idle; default <see cref="RequestsPerSecond"/> rounded up (at least 1).</summary>
    public int? Burst { get; set; }

    /// <summary>Whether requests are limited.</summary>
    public bool Enabled => RequestsPerSecond is not null;

    /// <summary>The bucket size in effect.</summary>
    public int EffectiveBurst => Burst ?? Math.Max(1, (int)Math.Ceiling(RequestsPerSecond ?? 1));

    /// <summary>The problems of these options (empty when valid), naming the settings.</summary>
    public IEnumerable<string> Problems()
    {
        if (RequestsPerSecond is { } rate && (double.IsNaN(rate) || rate <= 0 || rate > 1_000_000))
        {
            yield return "RateLimiting:RequestsPerSecond must be a number above 0 and at most 1000000.";
        }

        if (Burst is { } burst && (burst < 1 || burst > 1_000_000))
        {
            yield return "RateLimiting:Burst must be a whole number from 1 to 1000000.";
        }
    }
}
