using System.Globalization;
using Microsoft.Extensions.Configuration;
using ServerlessTasks.Domain.Webhooks;

namespace ServerlessTasks.Activities.Callbacks;

/// <summary>
/// Callback delivery settings from configuration (<c>Webhooks:*</c>). Secrets are <c>whsec_</c> values,
/// space- or comma-separated, newest first; every one signs, so receivers keep verifying during rotation.
/// Without a secret, development mode generates one per start; elsewhere deliveries are refused.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>The signer, or null when no secret is configured outside development mode.</summary>
    public WebhookSigner? Signer { get; init; }

    /// <summary>True when the secret was generated at startup (development mode only).</summary>
    public bool UsesGeneratedSecret { get; init; }

    /// <summary>Per-attempt timeout, 15-30 s (default 20 s): <c>Webhooks:TimeoutSeconds</c>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Attempts before the dead-letter queue (default 8): <c>Webhooks:MaxAttempts</c>.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>Back-off before the first retry (default 5 s): <c>Webhooks:InitialDelaySeconds</c>.</summary>
    public double InitialDelaySeconds { get; init; } = 5;

    /// <summary>Cap on any back-off (default 1 h): <c>Webhooks:MaxDelaySeconds</c>.</summary>
    public double MaxDelaySeconds { get; init; } = 3600;

    /// <summary>Reads the options.</summary>
    /// <exception cref="FormatException">A configured secret is not <c>whsec_</c> + base64.</exception>
    public static WebhookOptions FromConfiguration(IConfiguration configuration, bool development)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Webhooks");
        var secrets = (section["Secrets"] ?? string.Empty)
            .Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(WebhookSecret.Parse)
            .ToList();
        var generated = secrets.Count == 0 && development;
        if (generated)
        {
            secrets.Add(WebhookSecret.CreateRandom());
        }

        return new WebhookOptions
        {
            Signer = secrets.Count == 0 ? null : new WebhookSigner(secrets),
            UsesGeneratedSecret = generated,
            Timeout = TimeSpan.FromSeconds(Math.Clamp(Number(section["TimeoutSeconds"], 20), 15, 30)),
            MaxAttempts = (int)Math.Clamp(Number(section["MaxAttempts"], 8), 1, 100),
            InitialDelaySeconds = Math.Max(0.001, Number(section["InitialDelaySeconds"], 5)),
            MaxDelaySeconds = Math.Max(0.001, Number(section["MaxDelaySeconds"], 3600)),
        };
    }

    private static double Number(string? text, double fallback) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : fallback;
}
