namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The app on a fake durable clock (back-off between delivery attempts is a durable timer) with a known signing secret
/// and short, bounded delivery settings. The per-attempt timeout runs on the worker's real clock (15 s, the least the
/// app allows); webhook timestamps are the worker's real time.
/// </summary>
public sealed class CallbackAppHost : FakeClockAppHost
{
    public const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /// <summary>The per-attempt timeout the fixture configures.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(15);

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        .. base.WorkerSettings(),
        new("Webhooks__Secrets", Secret),
        new("Webhooks__MaxAttempts", "3"),
        new("Webhooks__InitialDelaySeconds", "2"),
        new("Webhooks__MaxDelaySeconds", "10"),
        new("Webhooks__TimeoutSeconds", AttemptTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
