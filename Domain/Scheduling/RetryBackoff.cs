namespace ServerlessTasks.Domain.Scheduling;

/// <summary>
/// Capped exponential backoff with deterministic jitter. The delay before retry n (n = 1 for the first
/// retry) is <c>min(MaxDelay, InitialDelay × Multiplier^(n-1))</c>, reduced by a jitter fraction drawn from
/// a seed: the result lies in <c>[base × (1 - JitterFraction), base]</c> and never exceeds <see cref="MaxDelay"/>.
/// </summary>
/// <remarks>
/// The jitter comes from a stable hash of (seed, retry number) — typically the seed of
/// (workflow id, task id) — never from <see cref="Random"/>, so an orchestrator replay computes the same
/// delays, while different tasks retrying together still spread out.
/// </remarks>
public sealed record RetryBackoff
{
    /// <summary>1 s initial, doubling, capped at 5 minutes, up to half of each delay taken off as jitter.</summary>
    public static RetryBackoff Default { get; } = new();

    /// <summary>Delay before the first retry (before jitter). Default 1 s.</summary>
    public TimeSpan InitialDelay
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must not be negative.");
    } = TimeSpan.FromSeconds(1);

    /// <summary>Growth factor per retry, at least 1. Default 2.</summary>
    public double Multiplier
    {
        get;
        init => field = value >= 1 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be finite and at least 1.");
    } = 2.0;

    /// <summary>Cap on any delay. Default 5 minutes.</summary>
    public TimeSpan MaxDelay
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must not be negative.");
    } = TimeSpan.FromMinutes(5);

    /// <summary>Largest share of a delay removed by jitter, 0 (none) to 1 ("full jitter"). Default 0.5.</summary>
    public double JitterFraction
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be between 0 and 1.");
    } = 0.5;

    /// <summary>The back-off a task asks for: <see cref="Default"/> with the fields of its <c>retry</c> that are set.</summary>
    /// <param name="retry">The task's <c>retry</c>, or null for the default.</param>
    public static RetryBackoff Of(Model.RetrySpec? retry) => retry is null
        ? Default
        : Default with
        {
            InitialDelay = retry.DelaySeconds is { } delay ? TimeSpan.FromSeconds(delay) : Default.InitialDelay,
            Multiplier = retry.Multiplier ?? Default.Multiplier,
            MaxDelay = retry.MaxDelaySeconds is { } max ? TimeSpan.FromSeconds(max) : Default.MaxDelay,
        };

    /// <summary>A seed for the jitter of one task in one workflow, stable across processes.</summary>
    /// <param name="workflowId">The workflow (or orchestration instance) id.</param>
    /// <param name="taskId">The task id.</param>
    public static ulong CreateSeed(string workflowId, string taskId) => StableHash.Of(workflowId, taskId);

    /// <summary>The delay before retry <paramref name="retryNumber"/> without jitter.</summary>
    /// <param name="retryNumber">1 for the first retry.</param>
    public TimeSpan GetBaseDelay(int retryNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retryNumber, 1);
        var seconds = InitialDelay.TotalSeconds * Math.Pow(Multiplier, retryNumber - 1);
        var cap = MaxDelay.TotalSeconds;
        return !(seconds < cap) ? MaxDelay : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The jittered delay before retry <paramref name="retryNumber"/>.</summary>
    /// <param name="retryNumber">1 for the first retry.</param>
    /// <param name="seed">Jitter seed, e.g. <see cref="CreateSeed"/>.</param>
    public TimeSpan GetDelay(int retryNumber, ulong seed)
    {
        var baseDelay = GetBaseDelay(retryNumber);
        var draw = StableHash.ToUnitInterval(StableHash.Mix(seed ^ StableHash.Mix((ulong)retryNumber)));
        var factor = 1.0 - (JitterFraction * draw);
        return TimeSpan.FromTicks((long)(baseDelay.Ticks * factor));
    }

    /// <summary>The jittered delay before retry <paramref name="retryNumber"/> of a task.</summary>
    /// <param name="retryNumber">1 for the first retry.</param>
    /// <param name="workflowId">The workflow id.</param>
    /// <param name="taskId">The task id.</param>
    public TimeSpan GetDelay(int retryNumber, string workflowId, string taskId) =>
        GetDelay(retryNumber, CreateSeed(workflowId, taskId));

    /// <summary>
    /// The jittered delay, but never shorter than a server's <c>Retry-After</c> (for webhooks on 429/503).
    /// </summary>
    /// <param name="retryNumber">1 for the first retry.</param>
    /// <param name="seed">Jitter seed.</param>
    /// <param name="retryAfter">The server's requested wait, if any.</param>
    public TimeSpan GetDelay(int retryNumber, ulong seed, TimeSpan? retryAfter)
    {
        var delay = GetDelay(retryNumber, seed);
        return retryAfter is { } floor && floor > delay ? floor : delay;
    }

    /// <summary>True when a task that allows <paramref name="maxRetries"/> retries may retry after failed attempt <paramref name="attempt"/>.</summary>
    /// <param name="attempt">1 for the first attempt.</param>
    /// <param name="maxRetries">Retries allowed after the first attempt.</param>
    public static bool ShouldRetry(int attempt, int maxRetries) => attempt >= 1 && attempt <= maxRetries;
}
