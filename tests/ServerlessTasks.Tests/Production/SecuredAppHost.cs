namespace ServerlessTasks.Tests.Production;

/// <summary>
/// The app with API keys (three clients, one of them in tenant <c>t2</c>) and a rate limit of 5 requests per second with
/// a burst of 10 per client. Keys are long random-looking strings no log line should ever contain.
/// </summary>
public sealed class SecuredAppHost : AppHost
{
    public const string AliceKey = "alice-7Qm2v9KxL4pZ8wR1nT6y";
    public const string BobKey = "bob-3Hs8dF1jW5qE7cV0bN2m";
    public const string CarolKey = "carol-9Lk4pO2iU7yT1rE5wQ3z";
    public const int Burst = 10;

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Auth__ApiKeys__alice__Key", AliceKey),
        new("Auth__ApiKeys__bob__Key", BobKey),
        new("Auth__ApiKeys__carol__Key", CarolKey),
        new("Auth__ApiKeys__carol__Tenant", "t2"),
        new("RateLimiting__RequestsPerSecond", "5"),
        new("RateLimiting__Burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
